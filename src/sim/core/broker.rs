//! What the broker does: appending published records, pushing records to
//! consumer groups one at a time per partition, acks, timeouts, retries
//! with backoff and dead letters. These are `Core`'s methods because they
//! send on links, schedule and record, like the rest of the core.

use super::{Core, Queued};
use crate::sim::broker::{partition_for, GroupState, LogRecord, Logs};
use crate::sim::spec::Delivery;
use crate::sim::trace::{Detail, Trace, TraceKind};
use crate::sim::types::{EventId, GroupId, NodeId, TopicId};
use crate::sim::wire::Wire;

impl<M: Clone> Core<M> {
    fn broker_up(&self) -> bool {
        self.broker.is_some_and(|b| self.is_up(b))
    }

    /// A record arrived at the broker: append it and wake its consumers.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn broker_append(
        &mut self,
        trace: &mut Trace<M>,
        logs: &mut Logs<M>,
        cause: EventId,
        producer: NodeId,
        topic: TopicId,
        key: Option<u64>,
        confirm: Option<u64>,
        payload: M,
    ) {
        let Some(broker) = self.broker else { return };
        let parts = logs.partitions(topic);
        if parts == 0 {
            return;
        }
        let partition = match key {
            Some(k) => partition_for(k, parts),
            None => self.rng.below(parts as u64) as u16,
        };
        let offset = logs.partition(topic, partition).len() as u64;
        let ev = self.record(
            trace,
            TraceKind::Append,
            broker,
            Some(producer),
            None,
            Some(cause),
            Detail::Record {
                topic,
                partition,
                offset,
            },
        );
        self.counters.appended += 1;
        logs.append(
            topic,
            partition,
            LogRecord {
                offset,
                key,
                payload,
                at: self.now,
                event: ev,
                producer,
            },
        );
        if let Some(token) = confirm {
            self.transmit(
                trace,
                broker,
                producer,
                Wire::PublishAck { token, offset },
                Some(ev),
            );
        }
        for g in 0..self.groups.len() {
            if self.groups[g].topic == topic {
                self.pump(trace, logs, GroupId(g as u16), partition, ev);
            }
        }
    }

    /// Sends the next record to a group's service if nothing is in flight.
    pub(crate) fn pump(
        &mut self,
        trace: &mut Trace<M>,
        logs: &Logs<M>,
        group: GroupId,
        partition: u16,
        cause: EventId,
    ) {
        if !self.broker_up() {
            return;
        }
        let broker = self.broker.expect("broker_up checked");
        let g = &self.groups[group.0 as usize];
        let (topic, node, delivery) = (g.topic, g.node, g.delivery);
        let cur = &g.cursors[partition as usize];
        if cur.pending.is_some() || cur.backing_off || g.paused {
            return;
        }
        let offset = cur.committed;
        let Some(rec) = usize::try_from(offset)
            .ok()
            .and_then(|i| logs.partition(topic, partition).get(i))
        else {
            return;
        };
        let (key, payload) = (rec.key, rec.payload.clone());
        let cur = &mut self.groups[group.0 as usize].cursors[partition as usize];
        cur.deliveries += 1;
        cur.pending = Some(offset);
        cur.gen += 1;
        let (attempt, gen) = (cur.deliveries, cur.gen);
        let mut cause = cause;
        if attempt > 1 && cur.failures < attempt - 1 {
            self.counters.redelivered += 1;
            cause = self.record(
                trace,
                TraceKind::Redeliver,
                broker,
                Some(node),
                None,
                Some(cause),
                Detail::Record {
                    topic,
                    partition,
                    offset,
                },
            );
        }
        if delivery == Delivery::AtMostOnce {
            let c = &mut self.groups[group.0 as usize].cursors[partition as usize];
            c.committed = offset + 1;
            c.deliveries = 0;
            c.failures = 0;
            cause = self.record(
                trace,
                TraceKind::Commit,
                broker,
                Some(node),
                None,
                Some(cause),
                Detail::Record {
                    topic,
                    partition,
                    offset: offset + 1,
                },
            );
        }
        let wire = Wire::Deliver {
            group,
            topic,
            partition,
            offset,
            attempt,
            key,
            payload,
        };
        self.transmit(trace, broker, node, wire, Some(cause));
        let at = self.now + self.broker_cfg.ack_timeout;
        self.schedule(
            at,
            Queued::AckTimeout {
                group,
                partition,
                gen,
            },
        );
    }

    /// An ack arrived at the broker.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn broker_ack(
        &mut self,
        trace: &mut Trace<M>,
        logs: &mut Logs<M>,
        cause: EventId,
        group: GroupId,
        partition: u16,
        offset: u64,
        ok: bool,
    ) {
        let Some(broker) = self.broker else { return };
        let g = &self.groups[group.0 as usize];
        let (topic, node, delivery) = (g.topic, g.node, g.delivery);
        let cur = &g.cursors[partition as usize];
        if cur.pending != Some(offset) {
            self.record(
                trace,
                TraceKind::Note,
                broker,
                Some(node),
                None,
                Some(cause),
                Detail::Text(format!("stale ack for offset {offset} ignored")),
            );
            return;
        }
        let cur = &mut self.groups[group.0 as usize].cursors[partition as usize];
        cur.pending = None;
        cur.gen += 1;
        if ok {
            if delivery == Delivery::AtLeastOnce {
                cur.committed = offset + 1;
                cur.deliveries = 0;
                cur.failures = 0;
                self.record(
                    trace,
                    TraceKind::Commit,
                    broker,
                    Some(node),
                    None,
                    Some(cause),
                    Detail::Record {
                        topic,
                        partition,
                        offset: offset + 1,
                    },
                );
            } else {
                cur.deliveries = 0;
                cur.failures = 0;
            }
            self.pump(trace, logs, group, partition, cause);
            return;
        }
        if delivery == Delivery::AtMostOnce {
            cur.deliveries = 0;
            cur.failures = 0;
            self.record(
                trace,
                TraceKind::Note,
                broker,
                Some(node),
                None,
                Some(cause),
                Detail::Text(format!(
                    "offset {offset} failed and is not retried (at-most-once)"
                )),
            );
            self.pump(trace, logs, group, partition, cause);
            return;
        }
        cur.failures += 1;
        if cur.failures >= self.broker_cfg.max_attempts {
            cur.committed = offset + 1;
            cur.deliveries = 0;
            cur.failures = 0;
            let Some(rec) = usize::try_from(offset)
                .ok()
                .and_then(|i| logs.partition(topic, partition).get(i))
                .cloned()
            else {
                return;
            };
            let ev = self.record(
                trace,
                TraceKind::DeadLetter,
                broker,
                Some(node),
                None,
                Some(cause),
                Detail::Record {
                    topic,
                    partition,
                    offset,
                },
            );
            self.counters.dead_lettered += 1;
            logs.append_dead(
                topic,
                LogRecord {
                    event: ev,
                    at: self.now,
                    ..rec
                },
            );
            self.record(
                trace,
                TraceKind::Commit,
                broker,
                Some(node),
                None,
                Some(ev),
                Detail::Record {
                    topic,
                    partition,
                    offset: offset + 1,
                },
            );
            self.pump(trace, logs, group, partition, ev);
            return;
        }
        cur.backing_off = true;
        let failures = cur.failures;
        let gen = cur.gen;
        let base = self
            .broker_cfg
            .backoff_base
            .saturating_mul(1 << (failures - 1).min(20))
            .min(self.broker_cfg.backoff_max);
        let delay = base + self.rng.between(0, base / 2);
        self.counters.retried += 1;
        self.record(
            trace,
            TraceKind::Retry,
            broker,
            Some(node),
            None,
            Some(cause),
            Detail::Text(format!(
                "offset {offset} failed {failures}×; retry in {delay} ms"
            )),
        );
        self.schedule(
            self.now + delay,
            Queued::Retry {
                group,
                partition,
                gen,
            },
        );
    }

    /// The ack deadline for a delivery passed.
    pub(crate) fn broker_ack_timeout(
        &mut self,
        trace: &mut Trace<M>,
        logs: &Logs<M>,
        group: GroupId,
        partition: u16,
        gen: u64,
    ) -> bool {
        let g = &self.groups[group.0 as usize];
        let cur = &g.cursors[partition as usize];
        if cur.gen != gen || cur.pending.is_none() || !self.broker_up() {
            return false;
        }
        let (topic, node) = (g.topic, g.node);
        let offset = cur.pending.unwrap_or(0);
        let broker = self.broker.expect("broker is up");
        let cur = &mut self.groups[group.0 as usize].cursors[partition as usize];
        cur.pending = None;
        cur.gen += 1;
        if g_delivery(&self.groups[group.0 as usize]) == Delivery::AtMostOnce {
            let c = &mut self.groups[group.0 as usize].cursors[partition as usize];
            c.deliveries = 0;
            c.failures = 0;
        }
        let ev = self.record(
            trace,
            TraceKind::AckTimeout,
            broker,
            Some(node),
            None,
            None,
            Detail::Record {
                topic,
                partition,
                offset,
            },
        );
        self.pump(trace, logs, group, partition, ev);
        true
    }

    /// A retry backoff passed.
    pub(crate) fn broker_retry(
        &mut self,
        trace: &mut Trace<M>,
        logs: &Logs<M>,
        group: GroupId,
        partition: u16,
        gen: u64,
    ) -> bool {
        let cur = &mut self.groups[group.0 as usize].cursors[partition as usize];
        if cur.gen != gen || !cur.backing_off {
            return false;
        }
        cur.backing_off = false;
        let Some(broker) = self.broker else {
            return false;
        };
        let node = self.groups[group.0 as usize].node;
        let ev = self.record(
            trace,
            TraceKind::Timer,
            broker,
            Some(node),
            None,
            None,
            Detail::Text("retry backoff over".into()),
        );
        self.pump(trace, logs, group, partition, ev);
        true
    }

    /// The broker crashed: what it had in flight to consumers is forgotten.
    pub(crate) fn broker_crashed(&mut self) {
        for g in &mut self.groups {
            for c in &mut g.cursors {
                c.pending = None;
                c.backing_off = false;
                c.gen += 1;
            }
        }
    }

    /// Wakes every group on every partition (after a broker restart or a reset).
    pub(crate) fn pump_all(&mut self, trace: &mut Trace<M>, logs: &Logs<M>, cause: EventId) {
        for g in 0..self.groups.len() {
            for p in 0..self.groups[g].cursors.len() {
                self.pump(trace, logs, GroupId(g as u16), p as u16, cause);
            }
        }
    }

    /// True when no group has a record in flight or waiting to be delivered.
    pub fn broker_idle(&self, logs: &Logs<M>) -> bool {
        self.groups.iter().all(|g| {
            g.cursors.iter().enumerate().all(|(p, c)| {
                c.pending.is_none()
                    && !c.backing_off
                    && c.committed >= logs.partition(g.topic, p as u16).len() as u64
            })
        })
    }
}

fn g_delivery(g: &GroupState) -> Delivery {
    g.delivery
}
