//! The sync job: a run every interval, batch by batch, with a checkpoint,
//! a timeout and, with two-way sync, a push back to the source.

use super::*;

/// How long the job waits for an answer before aborting a run.
pub const REQUEST_TIMEOUT: Time = 2_500;

impl BackgroundSync {
    pub(super) fn job_write(&mut self, ctx: &mut Ctx<'_, AnyMsg>, text: String) {
        ctx.act_as(JOB);
        self.job_event = Some(ctx.write(text));
    }

    pub(super) fn start_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        ctx.act_as(JOB);
        let now = ctx.now();
        let p = match self.checkpoint.clone() {
            Some(cp) if self.checkpoint_on => {
                let ev = ctx.note(format!(
                    "resuming run #{} from its checkpoint ({})",
                    cp.number,
                    match (cp.two_way, cp.strategy) {
                        (true, _) => format!("source log #{}, warehouse log #{}", cp.lsn, cp.wlsn),
                        (_, Strategy::FullCopy) => format!("after account {}", cp.id),
                        (_, Strategy::Watermark) =>
                            format!("after updated_at {}", stamp_text(cp.stamp)),
                        (false, Strategy::ChangeLog) => format!("after log #{}", cp.lsn),
                    }
                ));
                ctx.mark(ev, Milestone::Resumed, cp.number);
                cp
            }
            _ => {
                let p = Progress {
                    number: self.runs + 1,
                    started_at: now,
                    upto: now as i64,
                    strategy: self.strategy,
                    two_way: self.two_way,
                    id: 0,
                    stamp: self.committed_stamp,
                    lsn: self.committed_lsn,
                    wlsn: self.committed_wlsn,
                };
                let from = match (p.two_way, p.strategy) {
                    (true, _) => format!(
                        "two-way, source log #{} and warehouse log #{}",
                        p.lsn, p.wlsn
                    ),
                    (_, Strategy::FullCopy) => "full copy from the first account".to_string(),
                    (_, Strategy::Watermark) => format!(
                        "rows with updated_at after the watermark {} up to {}",
                        stamp_text(p.stamp),
                        stamp_text(p.upto)
                    ),
                    (false, Strategy::ChangeLog) => format!("change log after #{}", p.lsn),
                };
                ctx.note(format!("run #{} started: {from}", p.number));
                p
            }
        };
        self.epoch += 1;
        self.run = Some(Run {
            p,
            epoch: self.epoch,
            began: now,
            phase: Phase::FetchSource,
            timeout: None,
            next: 0,
            wnext: 0,
            more: false,
            src_page: Vec::new(),
            to_source: Vec::new(),
            copied: 0,
            applying: Vec::new(),
            lost_at: None,
        });
        self.fetch(ctx);
    }

    pub(super) fn request(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        to: NodeId,
        msg: SyncMsg,
        phase: Phase,
    ) {
        ctx.act_as(JOB);
        let Some(run) = self.run.as_mut() else { return };
        if let Some(t) = run.timeout.take() {
            ctx.cancel_timer(t);
        }
        run.phase = phase;
        // Bookkeeping: the run moved on, so no lost message dooms it.
        run.lost_at = None;
        run.timeout = Some(ctx.set_timer(REQUEST_TIMEOUT, Timer::Timeout));
        ctx.send(to, msg);
    }

    pub(super) fn fetch(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_ref() else { return };
        let p = &run.p;
        let query = match (p.two_way, p.strategy) {
            (true, _) => Query::Changed { after: p.lsn },
            (_, Strategy::FullCopy) => Query::Full { after_id: p.id },
            (_, Strategy::Watermark) => Query::Watermark {
                after: p.stamp,
                upto: p.upto,
            },
            (false, Strategy::ChangeLog) => Query::Log { after: p.lsn },
        };
        let msg = SyncMsg::Fetch {
            epoch: run.epoch,
            query,
            limit: self.batch,
        };
        self.request(ctx, SOURCE, msg, Phase::FetchSource);
    }

    pub(super) fn batch_done(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_mut() else { return };
        // Both stores answered: the job is no longer failing.
        self.failing = None;
        let p = &mut run.p;
        match (p.two_way, p.strategy) {
            (true, _) => {
                p.lsn = run.next as u64;
                p.wlsn = run.wnext;
            }
            (_, Strategy::FullCopy) => p.id = run.next as u16,
            (_, Strategy::Watermark) => p.stamp = run.next,
            (false, Strategy::ChangeLog) => p.lsn = run.next as u64,
        }
        let more = run.more;
        if self.checkpoint_on {
            let cp = run.p.clone();
            let where_ = match (cp.two_way, cp.strategy) {
                (true, _) => format!("source log #{}, warehouse log #{}", cp.lsn, cp.wlsn),
                (_, Strategy::FullCopy) => format!("account {}", cp.id),
                (_, Strategy::Watermark) => format!("updated_at {}", stamp_text(cp.stamp)),
                (false, Strategy::ChangeLog) => format!("log #{}", cp.lsn),
            };
            self.checkpoint = Some(cp.clone());
            if more {
                self.job_write(
                    ctx,
                    format!("checkpoint: run #{} done up to {where_}", cp.number),
                );
            }
        }
        if more {
            self.fetch(ctx);
        } else {
            self.finish_run(ctx);
        }
    }

    pub(super) fn finish_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.take() else { return };
        ctx.act_as(JOB);
        if let Some(t) = run.timeout {
            ctx.cancel_timer(t);
        }
        let now = ctx.now();
        let p = run.p;
        match (p.two_way, p.strategy) {
            (true, _) => {
                self.committed_lsn = p.lsn;
                self.committed_wlsn = p.wlsn;
            }
            (_, Strategy::Watermark) => self.committed_stamp = p.upto,
            (_, Strategy::ChangeLog) => self.committed_lsn = p.lsn,
            (false, Strategy::FullCopy) => {}
        }
        self.checkpoint = None;
        self.failing = None;
        self.runs += 1;
        self.last_sync_at = Some(now);
        self.longest_run = self.longest_run.max(now - run.began);
        if !p.two_way {
            for a in 1..=ACCOUNTS {
                if let Some(t) = self.lag_of(a) {
                    if t < p.started_at {
                        self.missed.entry(a).or_insert((t, p.number));
                    }
                }
            }
        }
        let after = match (p.two_way, p.strategy) {
            (true, _) => format!(
                "; cursors now source log #{}, warehouse log #{}",
                p.lsn, p.wlsn
            ),
            (_, Strategy::Watermark) => format!("; watermark now {}", stamp_text(p.upto)),
            (_, Strategy::ChangeLog) => format!("; cursor now log #{}", p.lsn),
            (false, Strategy::FullCopy) => String::new(),
        };
        self.job_write(
            ctx,
            format!(
                "run #{} finished: {} rows written in {}{after}",
                p.number,
                run.copied,
                fmt_secs(now - run.began)
            ),
        );
    }

    pub(super) fn abort_run(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.take() else { return };
        let (who, node) = match run.phase {
            Phase::FetchSource | Phase::ApplySource => ("the source", SOURCE),
            _ => ("the warehouse", WAREHOUSE),
        };
        if self.failing.is_none() {
            self.failing = Some((ctx.now(), node));
        }
        self.run_ended();
        let resumes = self.checkpoint_on && self.checkpoint.is_some();
        let then = if resumes {
            "it resumes from its checkpoint at the next interval"
        } else {
            "it starts over at the next interval"
        };
        let ev = ctx.note(format!(
            "{who} did not answer within {}; run #{} aborted, {then}",
            fmt_secs(REQUEST_TIMEOUT),
            run.p.number
        ));
        if !resumes {
            ctx.mark(ev, Milestone::StartedOver, 0);
        }
    }

    pub(super) fn on_job_message(&mut self, ctx: &mut Ctx<'_, AnyMsg>, from: NodeId, msg: SyncMsg) {
        let epoch = match &msg {
            SyncMsg::Page { epoch, .. } | SyncMsg::Applied { epoch, .. } => *epoch,
            _ => return,
        };
        let Some(run) = self.run.as_mut() else {
            ctx.note("a reply for a run that is no longer going, ignored");
            return;
        };
        if run.epoch != epoch {
            ctx.note("a reply for an earlier, aborted run, ignored");
            return;
        }
        let two_way = run.p.two_way;
        match (msg, from, run.phase) {
            (
                SyncMsg::Page {
                    rows, next, more, ..
                },
                SOURCE,
                Phase::FetchSource,
            ) => {
                run.next = next;
                run.more = more;
                if two_way {
                    run.src_page = rows;
                    let fetch = SyncMsg::Fetch {
                        epoch,
                        query: Query::Changed { after: run.p.wlsn },
                        limit: self.batch,
                    };
                    self.request(ctx, WAREHOUSE, fetch, Phase::FetchWarehouse);
                } else if rows.is_empty() {
                    self.batch_done(ctx);
                } else {
                    // A copy of a row that came from the warehouse (two-way
                    // before) keeps the warehouse's version.
                    run.applying = rows
                        .iter()
                        .filter(|r| r.origin == Side::Source)
                        .map(|r| (r.id, r.version))
                        .collect();
                    let apply = SyncMsg::Apply {
                        epoch,
                        rows,
                        seen: 0,
                    };
                    self.request(ctx, WAREHOUSE, apply, Phase::ApplyWarehouse);
                }
            }
            (
                SyncMsg::Page {
                    rows, next, more, ..
                },
                WAREHOUSE,
                Phase::FetchWarehouse,
            ) => {
                run.wnext = next as u64;
                run.more |= more;
                let (to_wh, to_src) = self.reconcile(ctx, rows);
                let run = self.run.as_mut().expect("checked above");
                run.to_source = to_src;
                if !to_wh.is_empty() {
                    let apply = SyncMsg::Apply {
                        epoch,
                        rows: to_wh,
                        seen: run.wnext,
                    };
                    self.request(ctx, WAREHOUSE, apply, Phase::ApplyWarehouse);
                } else {
                    self.push_to_source(ctx);
                }
            }
            (SyncMsg::Applied { count, .. }, WAREHOUSE, Phase::ApplyWarehouse) => {
                run.copied += count as u64;
                self.rows_copied += count as u64;
                if two_way {
                    self.push_to_source(ctx);
                } else {
                    self.batch_done(ctx);
                }
            }
            (SyncMsg::Applied { count, .. }, SOURCE, Phase::ApplySource) => {
                run.copied += count as u64;
                self.rows_copied += count as u64;
                self.batch_done(ctx);
            }
            _ => {
                ctx.note("an unexpected reply, ignored");
            }
        }
    }

    pub(super) fn push_to_source(&mut self, ctx: &mut Ctx<'_, AnyMsg>) {
        let Some(run) = self.run.as_mut() else { return };
        let rows = std::mem::take(&mut run.to_source);
        if rows.is_empty() {
            self.batch_done(ctx);
            return;
        }
        let apply = SyncMsg::Apply {
            epoch: run.epoch,
            rows,
            seen: run.next as u64,
        };
        self.request(ctx, SOURCE, apply, Phase::ApplySource);
    }
}
