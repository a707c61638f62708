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

/// The box of `node`; the broker grows to hold its partition table.
pub fn node_box(node: &NodeFrame, partitions: &[PartitionFrame]) -> NodeBox {
    let (hw, hh) = if node.role == NodeRole::Broker && !partitions.is_empty() {
        let groups = partitions.iter().map(|p| p.groups.len()).max().unwrap_or(0) as f32;
        let w = 92.0 + GROUP_COL * groups;
        let h = BROKER_HEAD + ROW_H * (partitions.len() as f32 + 1.0) + 6.0;
        (w.max(2.0 * SERVICE_HW) / 2.0, h / 2.0)
    } else {
        (SERVICE_HW, SERVICE_HH)
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
