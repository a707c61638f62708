//! Geometry of the topology canvas (a 1000 × 600 view box): node boxes,
//! link lanes and where a message token sits at a given moment.

use crate::sim::frame::{FlightFrame, NodeFrame, PartitionFrame};
use crate::sim::scenario::NodeRole;
use crate::sim::{NodeId, Time};

/// Width of the view box.
pub const W: f32 = 1000.0;
/// Height of the view box.
pub const H: f32 = 600.0;
/// Distance between the two directions (lanes) of a link.
pub const LANE: f32 = 5.0;

/// Half-width of a service box.
const SERVICE_HW: f32 = 78.0;
/// Half-height of a service box.
const SERVICE_HH: f32 = 29.0;
/// Half-height of a box that shows its name only (compact canvas).
const COMPACT_HH: f32 = 16.0;
/// Half-width of the broker's box when it shows its title only.
const COMPACT_BROKER_HW: f32 = 104.0;
/// Height of one row of the broker's partition table.
pub const ROW_H: f32 = 15.0;
/// Height of the broker's title area.
pub const BROKER_HEAD: f32 = 40.0;
/// Width of one consumer-group column of the broker's table.
pub const GROUP_COL: f32 = 72.0;

/// A node's box: centre and half sizes.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct NodeBox {
    /// Centre x.
    pub x: f32,
    /// Centre y.
    pub y: f32,
    /// Half width.
    pub hw: f32,
    /// Half height.
    pub hh: f32,
}

/// How the boxes are laid out: label scale, how far the node positions
/// are pulled together along each axis, and whether the boxes show their
/// state lines (and the broker its partition table) or their names only.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Layout {
    /// Label scale of the boxes and their text (1 = the design size).
    pub k: f32,
    /// Horizontal distance between nodes relative to the design (≤ 1).
    pub ax: f32,
    /// Vertical distance between nodes relative to the design (≤ 1).
    pub ay: f32,
    /// Names only: state lines and the broker's table are left to the
    /// box's menu.
    pub compact: bool,
}

impl Layout {
    /// The design layout at label scale `k`.
    pub fn at(k: f32) -> Layout {
        Layout {
            k,
            ax: 1.0,
            ay: 1.0,
            compact: false,
        }
    }
}

/// The box of `node` in `layout`; the broker grows to hold its partition
/// table unless the layout is compact.
pub fn node_box(node: &NodeFrame, partitions: &[PartitionFrame], layout: Layout) -> NodeBox {
    let k = layout.k;
    let broker = node.role == NodeRole::Broker && !partitions.is_empty();
    let (hw, hh) = match (broker, layout.compact) {
        (true, false) => {
            let groups = partitions.iter().map(|p| p.groups.len()).max().unwrap_or(0) as f32;
            let w = 92.0 + GROUP_COL * groups;
            // The title area holds the header row; then one row per partition
            // and room under the last one's baseline.
            let h = BROKER_HEAD + ROW_H * partitions.len() as f32 + 12.0;
            (w.max(2.0 * SERVICE_HW) / 2.0 * k, h / 2.0 * k)
        }
        (true, true) => (COMPACT_BROKER_HW * k, COMPACT_HH * k),
        (false, false) => (SERVICE_HW * k, SERVICE_HH * k),
        (false, true) => (SERVICE_HW * k, COMPACT_HH * k),
    };
    // Positions are pulled towards the middle of the view box.
    let x = W / 2.0 + (node.x - W / 2.0) * layout.ax;
    let y = H / 2.0 + (node.y - H / 2.0) * layout.ay;
    // Keep the box inside the canvas.
    let x = x.clamp(hw + 2.0, W - hw - 2.0);
    let y = y.clamp(hh + 2.0, H - hh - 2.0);
    NodeBox { x, y, hw, hh }
}

impl NodeBox {
    /// Where the ray from the centre towards `(tx, ty)` leaves the box,
    /// pushed out by `gap`.
    pub fn exit(&self, tx: f32, ty: f32, gap: f32) -> (f32, f32) {
        let (dx, dy) = (tx - self.x, ty - self.y);
        let len = (dx * dx + dy * dy).sqrt().max(1e-3);
        let sx = if dx.abs() < 1e-3 {
            f32::INFINITY
        } else {
            self.hw / dx.abs()
        };
        let sy = if dy.abs() < 1e-3 {
            f32::INFINITY
        } else {
            self.hh / dy.abs()
        };
        let s = sx.min(sy);
        (
            self.x + dx * s + dx / len * gap,
            self.y + dy * s + dy / len * gap,
        )
    }
}

/// Font size of a service's name at `k = 1`, in view-box units.
pub const NAME_SIZE: f32 = 15.0;
/// Font size of every other text on the canvas at `k = 1` (state lines,
/// the broker's table, link notes and marks), in view-box units.
pub const TEXT_SIZE: f32 = 12.0;
/// The smallest size, in CSS pixels, of any text on the canvas. Names are
/// then at least `MIN_TEXT_PX * NAME_SIZE / TEXT_SIZE` (13.75 px).
pub const MIN_TEXT_PX: f32 = 11.0;
/// The largest label scale: bigger boxes would crowd any topology.
pub const K_MAX: f32 = 1.6;
/// How far node positions may be pulled together (a fraction of the
/// design's distances) to match a region's shape.
const SQUEEZE_MIN: f32 = 0.3;
/// Room kept around the drawing when it is fitted to its region.
const MARGIN: f32 = 14.0;
/// Space kept between two boxes when they grow: enough for a link between
/// them to stay visible and clickable.
const BOX_GAP: f32 = 24.0;

/// The part of the view box the drawing occupies: every box plus a margin.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct ContentRect {
    /// Left edge, view-box units.
    pub x0: f32,
    /// Top edge, view-box units.
    pub y0: f32,
    /// Width, view-box units.
    pub w: f32,
    /// Height, view-box units.
    pub h: f32,
}

/// The rectangle holding every box, with a margin, inside the view box.
pub fn content_rect(boxes: &[NodeBox]) -> ContentRect {
    if boxes.is_empty() {
        return ContentRect {
            x0: 0.0,
            y0: 0.0,
            w: W,
            h: H,
        };
    }
    let (mut x0, mut y0, mut x1, mut y1) = (W, H, 0.0f32, 0.0f32);
    for b in boxes {
        x0 = x0.min(b.x - b.hw);
        y0 = y0.min(b.y - b.hh);
        x1 = x1.max(b.x + b.hw);
        y1 = y1.max(b.y + b.hh);
    }
    let (x0, y0) = ((x0 - MARGIN).max(0.0), (y0 - MARGIN).max(0.0));
    let (x1, y1) = ((x1 + MARGIN).min(W), (y1 + MARGIN).min(H));
    ContentRect {
        x0,
        y0,
        w: (x1 - x0).max(1.0),
        h: (y1 - y0).max(1.0),
    }
}

/// Whether two boxes come closer than [`BOX_GAP`].
fn crowded(a: &NodeBox, b: &NodeBox) -> bool {
    (a.x - b.x).abs() < a.hw + b.hw + BOX_GAP && (a.y - b.y).abs() < a.hh + b.hh + BOX_GAP
}

/// Whether any two of `boxes` crowd each other.
fn any_crowded(boxes: &[NodeBox]) -> bool {
    boxes
        .iter()
        .enumerate()
        .any(|(i, a)| boxes[i + 1..].iter().any(|b| crowded(a, b)))
}

/// The boxes of every node in `layout`.
pub fn boxes_at(
    nodes: &[NodeFrame],
    partitions: &[PartitionFrame],
    layout: Layout,
) -> Vec<NodeBox> {
    nodes
        .iter()
        .map(|n| node_box(n, partitions, layout))
        .collect()
}

/// How the drawing meets its region on screen.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Fit {
    /// How the boxes are laid out.
    pub layout: Layout,
    /// CSS pixels per view-box unit.
    pub scale: f32,
    /// The part of the view box that is shown.
    pub rect: ContentRect,
}

impl Fit {
    /// Label scale of the boxes and their text.
    pub fn k(&self) -> f32 {
        self.layout.k
    }

    /// Rendered size of a name, in CSS pixels.
    pub fn name_px(&self) -> f32 {
        NAME_SIZE * self.layout.k * self.scale
    }

    /// The scale of the small marks and notes (cut and held marks, link
    /// notes, state badges): the label scale, grown where that would draw
    /// their text under [`MIN_TEXT_PX`].
    pub fn mark_k(&self) -> f32 {
        self.layout
            .k
            .max(MIN_TEXT_PX / (TEXT_SIZE * self.scale.max(0.01)))
    }

    /// The design layout at label scale 1, shown at scale 1 (before the
    /// region is measured).
    pub fn design(nodes: &[NodeFrame], partitions: &[PartitionFrame]) -> Fit {
        let layout = Layout::at(1.0);
        Fit {
            layout,
            scale: 1.0,
            rect: content_rect(&boxes_at(nodes, partitions, layout)),
        }
    }
}

/// Searches label scales and squeezes (along y when `squeeze` is
/// `Some(true)`, x when `Some(false)`, none when `None`) for the layout
/// whose names read at `min_px` with the least squeeze; returns it and
/// `true`, or else the layout with the largest names and `false`.
fn search(
    nodes: &[NodeFrame],
    partitions: &[PartitionFrame],
    zoom: &dyn Fn(&ContentRect) -> f32,
    squeeze: Option<bool>,
    compact: bool,
    min_px: f32,
) -> Option<(Fit, bool)> {
    let mut best: Option<Fit> = None;
    let mut a = 1.0f32;
    while a >= SQUEEZE_MIN - 1e-3 {
        let (ax, ay) = match squeeze {
            Some(true) => (1.0, a),
            Some(false) => (a, 1.0),
            None if a < 1.0 => break,
            None => (1.0, 1.0),
        };
        let mut k = 1.0f32;
        let mut any = false;
        while k <= K_MAX + 1e-3 {
            let layout = Layout { k, ax, ay, compact };
            let boxes = boxes_at(nodes, partitions, layout);
            if any_crowded(&boxes) && (k > 1.0 || a < 1.0) {
                break;
            }
            any = true;
            let rect = content_rect(&boxes);
            let scale = zoom(&rect).max(0.01);
            let fit = Fit {
                layout,
                scale,
                rect,
            };
            if fit.name_px() >= min_px {
                return Some((fit, true));
            }
            if best.is_none_or(|b| fit.name_px() > b.name_px()) {
                best = Some(fit);
            }
            k += 0.05;
        }
        if !any {
            // Squeezing further only crowds the boxes more.
            break;
        }
        a -= 0.05;
    }
    best.map(|b| (b, false))
}

/// Chooses the layout and the zoom for a region of `w × h` CSS pixels
/// (`h` is ignored when `by_width`, where the region grows to the
/// drawing's height). Names should read at `min_px` or more, and every
/// other text at [`MIN_TEXT_PX`]: labels grow (up to the largest scale at
/// which no two boxes crowd each other), then the node positions are
/// pulled together along the region's short side so the drawing takes
/// its shape, then the boxes drop their state lines (compact; the box's
/// menu shows them) before the text is allowed to shrink. Where the
/// region grows with the drawing (a phone) it zooms in and pans instead.
pub fn fit(
    nodes: &[NodeFrame],
    partitions: &[PartitionFrame],
    w: f32,
    h: f32,
    by_width: bool,
    min_px: f32,
) -> Fit {
    let zoom = |r: &ContentRect| {
        if by_width || h <= 0.0 {
            w / r.w
        } else {
            (w / r.w).min(h / r.h)
        }
    };
    let full_min = MIN_TEXT_PX * NAME_SIZE / TEXT_SIZE;
    let min_px = min_px.max(full_min);
    if by_width || h <= 0.0 {
        // A phone: the design layout, zoomed in until the labels read; the
        // region pans.
        let (f, ok) = search(nodes, partitions, &zoom, None, false, min_px)
            .unwrap_or((Fit::design(nodes, partitions), false));
        return if ok {
            f
        } else {
            Fit {
                scale: min_px / (NAME_SIZE * f.layout.k),
                ..f
            }
        };
    }
    let design = content_rect(&boxes_at(nodes, partitions, Layout::at(1.0)));
    // Squeeze along the axis the region is short in, relative to the drawing.
    let squeeze = Some(w / h > design.w / design.h);
    let full = search(nodes, partitions, &zoom, squeeze, false, min_px).map(|(f, _)| f);
    match full {
        Some(f) if f.name_px() >= full_min - 1e-3 => f,
        _ => search(nodes, partitions, &zoom, squeeze, true, min_px)
            .map(|(c, _)| c)
            .or(full)
            .unwrap_or_else(|| Fit::design(nodes, partitions)),
    }
}

/// One direction of a link as a segment, offset to its own lane.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Lane {
    /// Start x.
    pub x0: f32,
    /// Start y.
    pub y0: f32,
    /// End x.
    pub x1: f32,
    /// End y.
    pub y1: f32,
    /// Unit normal pointing to this lane's side.
    pub nx: f32,
    /// Unit normal pointing to this lane's side.
    pub ny: f32,
}

impl Lane {
    /// The lane from box `a` to box `b`.
    pub fn between(a: &NodeBox, b: &NodeBox) -> Lane {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt().max(1e-3);
        let (nx, ny) = (-dy / len, dx / len);
        let (ox, oy) = (nx * LANE, ny * LANE);
        let (x0, y0) = a.exit(b.x, b.y, 4.0);
        let (x1, y1) = b.exit(a.x, a.y, 6.0);
        Lane {
            x0: x0 + ox,
            y0: y0 + oy,
            x1: x1 + ox,
            y1: y1 + oy,
            nx,
            ny,
        }
    }

    /// The point at fraction `f` (0 at the sender, 1 at the receiver).
    pub fn at(&self, f: f32) -> (f32, f32) {
        let f = f.clamp(0.0, 1.0);
        (
            self.x0 + (self.x1 - self.x0) * f,
            self.y0 + (self.y1 - self.y0) * f,
        )
    }

    /// The midpoint pushed `by` units out to this lane's side.
    pub fn beside_middle(&self, by: f32) -> (f32, f32) {
        let (x, y) = self.at(0.5);
        (x + self.nx * by, y + self.ny * by)
    }
}

/// The lane a message from `from` to `to` travels on.
pub fn lane_for(boxes: &[NodeBox], from: NodeId, to: NodeId) -> Option<Lane> {
    let a = boxes.get(from.index())?;
    let b = boxes.get(to.index())?;
    Some(Lane::between(a, b))
}

/// How far along its lane a message is at `now` (held messages stay put).
pub fn progress(f: &FlightFrame, now: Time) -> f32 {
    if let Some(p) = f.held {
        return p.clamp(0.0, 1.0);
    }
    let span = f.due_at.saturating_sub(f.sent_at).max(1);
    (now.saturating_sub(f.sent_at) as f32 / span as f32).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::core::NodeStatus;

    fn node(x: f32, y: f32) -> NodeFrame {
        NodeFrame {
            id: NodeId(0),
            name: "A",
            role: NodeRole::Service,
            x,
            y,
            status: NodeStatus::Up,
            summary: String::new(),
            crashable: true,
        }
    }

    #[test]
    fn small_regions_grow_the_labels_and_large_ones_do_not() {
        let nodes = [node(140.0, 300.0), node(500.0, 120.0), node(860.0, 480.0)];
        let wide = fit(&nodes, &[], 1400.0, 800.0, false, 12.0);
        assert_eq!(wide.layout, Layout::at(1.0));
        assert!(wide.name_px() >= 13.75);
        let small = fit(&nodes, &[], 560.0, 330.0, false, 12.0);
        assert!(small.k() > 1.0, "labels grow in a small region: {small:?}");
        assert!(small.name_px() >= 13.75 - 1e-3);
        // The drawing never needs more than its region when the labels could grow enough.
        assert!(small.rect.w * small.scale <= 560.0 + 0.5);
        assert!(small.rect.h * small.scale <= 330.0 + 0.5);
        // A phone: the labels still read; the drawing pans.
        let phone = fit(&nodes, &[], 360.0, 0.0, true, 12.0);
        assert!(phone.name_px() >= 13.75 - 1e-3);
        assert!(!phone.layout.compact && phone.layout.ay == 1.0);
        // A tiny desktop region: never larger than the region.
        let tiny = fit(&nodes, &[], 300.0, 150.0, false, 12.0);
        assert!(tiny.rect.w * tiny.scale <= 300.5 && tiny.rect.h * tiny.scale <= 150.5);
    }

    /// The canvas region of a 1280 × 720 and a 1366 × 768 window with a
    /// study view open (measured in the browser), and wider, flatter ones.
    const DOCKED: [(f32, f32); 4] = [
        (880.0, 250.0),
        (940.0, 280.0),
        (1180.0, 300.0),
        (860.0, 210.0),
    ];

    #[test]
    fn every_pattern_reads_beside_an_open_study_view() {
        for p in crate::patterns::Pattern::all() {
            let f = p.start(1).frame();
            for (w, h) in DOCKED {
                let fit = fit(&f.nodes, &f.partitions, w, h, false, 12.0);
                // Names at 12 px or more; state lines and the broker's
                // table at 11 px or more, or left out (compact).
                assert!(fit.name_px() >= 12.0, "{p:?} {w}x{h}: {fit:?}");
                if !fit.layout.compact {
                    assert!(
                        TEXT_SIZE * fit.k() * fit.scale >= MIN_TEXT_PX - 1e-3,
                        "{p:?} {w}x{h}: {fit:?}"
                    );
                }
                assert!(TEXT_SIZE * fit.mark_k() * fit.scale >= MIN_TEXT_PX - 1e-3);
                // The whole drawing is in view, no two boxes crowd.
                assert!(
                    fit.rect.w * fit.scale <= w + 0.5 && fit.rect.h * fit.scale <= h + 0.5,
                    "{p:?} {w}x{h}: {fit:?}"
                );
                let boxes = boxes_at(&f.nodes, &f.partitions, fit.layout);
                assert!(!any_crowded(&boxes), "{p:?} {w}x{h}: {fit:?}");
            }
            // Folded dock: the design layout, not squeezed.
            let open = fit(&f.nodes, &f.partitions, 880.0, 560.0, false, 12.0);
            assert!(!open.layout.compact, "{p:?}: {open:?}");
            assert!(
                open.layout.ax == 1.0 && open.layout.ay == 1.0,
                "{p:?}: {open:?}"
            );
        }
    }

    #[test]
    fn boxes_grow_only_while_they_keep_apart() {
        let nodes = [node(300.0, 120.0), node(500.0, 120.0)];
        let f = fit(&nodes, &[], 300.0, 200.0, false, 40.0);
        let b = boxes_at(&nodes, &[], f.layout);
        assert!(!crowded(&b[0], &b[1]), "{f:?}");
    }

    fn b(x: f32, y: f32) -> NodeBox {
        NodeBox {
            x,
            y,
            hw: 50.0,
            hh: 20.0,
        }
    }

    #[test]
    fn lanes_leave_and_enter_boxes_at_their_borders() {
        let lane = Lane::between(&b(100.0, 300.0), &b(500.0, 300.0));
        assert!((lane.x0 - 154.0).abs() < 0.01);
        assert!((lane.x1 - 444.0).abs() < 0.01);
        // The two directions of a link sit on opposite sides.
        let back = Lane::between(&b(500.0, 300.0), &b(100.0, 300.0));
        assert!(lane.y0 > 300.0 && back.y0 < 300.0);
        let (x, _) = lane.at(0.5);
        assert!((x - 299.0).abs() < 0.01);
    }
}
