fn main() {
    converge::ui::mount();
}
