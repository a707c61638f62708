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
/// Height of one row of the broker's partition table.
pub const ROW_H: f32 = 14.0;
/// Height of the broker's title area.
pub const BROKER_HEAD: f32 = 40.0;
/// Width of one consumer-group column of the broker's table.
pub const GROUP_COL: f32 = 64.0;

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

/// The box of `node` with its labels scaled by `k` (1 = the design size);
/// the broker grows to hold its partition table.
pub fn node_box(node: &NodeFrame, partitions: &[PartitionFrame], k: f32) -> NodeBox {
    let (hw, hh) = if node.role == NodeRole::Broker && !partitions.is_empty() {
        let groups = partitions.iter().map(|p| p.groups.len()).max().unwrap_or(0) as f32;
        let w = 92.0 + GROUP_COL * groups;
        let h = BROKER_HEAD + ROW_H * (partitions.len() as f32 + 1.0) + 6.0;
        (w.max(2.0 * SERVICE_HW) / 2.0 * k, h / 2.0 * k)
    } else {
        (SERVICE_HW * k, SERVICE_HH * k)
    };
    // Keep the box inside the canvas.
    let x = node.x.clamp(hw + 2.0, W - hw - 2.0);
    let y = node.y.clamp(hh + 2.0, H - hh - 2.0);
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
/// The largest label scale: bigger boxes would crowd any topology.
pub const K_MAX: f32 = 1.6;
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

/// The boxes of every node at label scale `k`.
pub fn boxes_at(nodes: &[NodeFrame], partitions: &[PartitionFrame], k: f32) -> Vec<NodeBox> {
    nodes.iter().map(|n| node_box(n, partitions, k)).collect()
}

/// How the drawing meets its region on screen.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Fit {
    /// Label scale of the boxes and their text.
    pub k: f32,
    /// CSS pixels per view-box unit.
    pub scale: f32,
    /// The part of the view box that is shown.
    pub rect: ContentRect,
}

/// Chooses the label scale and the zoom for a region of `w × h` CSS
/// pixels (`h` is ignored when `by_width`, where the region grows to the
/// drawing's height). Names should read at `min_px` or more: labels grow
/// (up to the largest scale at which no two boxes crowd each other) before
/// the drawing is allowed to be larger than its region, which then pans.
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
    let mut best = None;
    let mut k = 1.0f32;
    while k <= K_MAX + 1e-3 {
        let boxes = boxes_at(nodes, partitions, k);
        let clash = boxes
            .iter()
            .enumerate()
            .any(|(i, a)| boxes[i + 1..].iter().any(|b| crowded(a, b)));
        if clash && k > 1.0 {
            break;
        }
        let rect = content_rect(&boxes);
        let scale = zoom(&rect).max(0.01);
        best = Some(Fit { k, scale, rect });
        if NAME_SIZE * k * scale >= min_px {
            return Fit { k, scale, rect };
        }
        k += 0.05;
    }
    // Even the largest labels are too small at this size. Where the region
    // grows with the drawing (a phone), zoom in so they read and let the
    // region pan; elsewhere the whole drawing stays in view.
    let f = best.unwrap_or(Fit {
        k: 1.0,
        scale: 1.0,
        rect: content_rect(&[]),
    });
    if by_width {
        Fit {
            scale: min_px / (NAME_SIZE * f.k),
            ..f
        }
    } else {
        f
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
        assert_eq!(wide.k, 1.0);
        assert!(NAME_SIZE * wide.scale >= 12.0);
        let small = fit(&nodes, &[], 560.0, 330.0, false, 12.0);
        assert!(small.k > 1.0, "labels grow in a small region: {small:?}");
        assert!(NAME_SIZE * small.k * small.scale >= 12.0 - 1e-3);
        // The drawing never needs more than its region when the labels could grow enough.
        assert!(small.rect.w * small.scale <= 560.0 + 0.5);
        assert!(small.rect.h * small.scale <= 330.0 + 0.5);
        // A phone: the labels still read; the drawing pans.
        let phone = fit(&nodes, &[], 360.0, 0.0, true, 12.0);
        assert!(NAME_SIZE * phone.k * phone.scale >= 12.0 - 1e-3);
        // A tiny desktop region: never larger than the region.
        let tiny = fit(&nodes, &[], 300.0, 150.0, false, 12.0);
        assert!(tiny.rect.w * tiny.scale <= 300.5 && tiny.rect.h * tiny.scale <= 150.5);
    }

    #[test]
    fn boxes_grow_only_while_they_keep_apart() {
        let nodes = [node(300.0, 120.0), node(500.0, 120.0)];
        let f = fit(&nodes, &[], 300.0, 200.0, false, 40.0);
        let b = boxes_at(&nodes, &[], f.k);
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
