//! Serving and applying a batch: which rows a query returns, and how the
//! job writes them (merging or resolving conflicts in two-way sync).

use super::*;

impl BackgroundSync {
    /// A store answers a fetch.
    pub(super) fn serve_fetch(
        &self,
        side: Side,
        query: &Query,
        limit: u16,
    ) -> (Vec<RowImage>, i64, bool) {
        let limit = limit.max(1) as usize;
        let rows = if side == Side::Source {
            &self.src
        } else {
            &self.wh
        };
        match *query {
            Query::Full { after_id } => {
                let page: Vec<RowImage> = (after_id + 1..=ACCOUNTS)
                    .take(limit)
                    .map(|a| rows[(a - 1) as usize].image(a))
                    .collect();
                let next = page.last().map_or(after_id, |r| r.id);
                (page, next as i64, next < ACCOUNTS)
            }
            Query::Watermark { after, upto } => {
                let mut hits: Vec<RowImage> = (1..=ACCOUNTS)
                    .map(|a| rows[(a - 1) as usize].image(a))
                    .filter(|r| r.stamp > after && r.stamp <= upto)
                    .collect();
                crate::sim::sort::sort_by_key(&mut hits, |r| (r.stamp, r.id));
                let more = hits.len() > limit;
                hits.truncate(limit);
                let next = hits.last().map_or(after, |r| r.stamp);
                (hits, next, more)
            }
            Query::Log { after } => {
                let log = if side == Side::Source {
                    &self.log
                } else {
                    &self.wh_log
                };
                let from = (after as usize).min(log.len());
                let to = (from + limit).min(log.len());
                (log[from..to].to_vec(), to as i64, to < log.len())
            }
            Query::Changed { after } => {
                let log = if side == Side::Source {
                    &self.log
                } else {
                    &self.wh_log
                };
                let from = (after as usize).min(log.len());
                let to = (from + limit).min(log.len());
                let mut changed: VecMap<u16, RowImage> = VecMap::new();
                for e in &log[from..to] {
                    if e.origin == side {
                        changed.insert(e.id, rows[(e.id - 1) as usize].image(e.id));
                    }
                }
                (changed.into_values().collect(), to as i64, to < log.len())
            }
        }
    }

    /// A store writes rows sent by the job.
    pub(super) fn apply_rows(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        side: Side,
        rows: &[RowImage],
        seen: u64,
    ) -> u16 {
        let now = ctx.now();
        let mut n = 0;
        for img in rows {
            let i = (img.id - 1) as usize;
            let local = if side == Side::Source {
                &self.src[i]
            } else {
                &self.wh[i]
            };
            let mut img = img.clone();
            let mut local_merge = false;
            if self.two_way
                && local.local_lsn > seen
                && local.origin == side
                && local.balance != img.balance
            {
                // A local change the job has not seen yet: a conflict found on write.
                let mine = local.image(img.id);
                if self.siblings {
                    img = self.merge(ctx, &img, &mine);
                    local_merge = true;
                } else {
                    let (win, lose) = if mine.stamp >= img.stamp {
                        (mine.clone(), img.clone())
                    } else {
                        (img.clone(), mine.clone())
                    };
                    self.record_loss(ctx, img.id, &win, &lose);
                    if win == mine {
                        continue;
                    }
                }
            }
            n += 1;
            let row = if side == Side::Source {
                &mut self.src[i]
            } else {
                &mut self.wh[i]
            };
            row.balance = img.balance;
            row.stamp = img.stamp;
            row.origin = img.origin;
            row.siblings = img.siblings.clone();
            let what = if side == Side::Source {
                row.version += 1;
                self.history[i].push(now);
                self.log.push(RowImage {
                    version: row.version,
                    ..img.clone()
                });
                row.last_entry = self.log.len() as u64;
                if img.origin == Side::Source {
                    row.last_own = row.last_entry;
                }
                format!(
                    "account {} = {} (synced from the warehouse)",
                    img.id,
                    row.shown()
                )
            } else {
                if img.origin == Side::Source {
                    row.version = img.version;
                }
                format!(
                    "account {} = {} (synced, source v{})",
                    img.id,
                    row.shown(),
                    row.version
                )
            };
            let ev = ctx.write(what);
            if local_merge {
                // The merge is a local change the other side must learn about too.
                let log = if side == Side::Source {
                    &mut self.log
                } else {
                    &mut self.wh_log
                };
                if side == Side::Warehouse {
                    log.push(RowImage {
                        origin: side,
                        ..img.clone()
                    });
                } else if let Some(last) = log.last_mut() {
                    last.origin = side;
                }
                let lsn = log.len() as u64;
                let row = if side == Side::Source {
                    &mut self.src[i]
                } else {
                    &mut self.wh[i]
                };
                row.origin = side;
                row.local_lsn = lsn;
                row.last_entry = lsn;
                row.last_own = lsn;
            }
            let row = if side == Side::Source {
                &mut self.src[i]
            } else {
                &mut self.wh[i]
            };
            row.event = Some(ev);
            self.touch(i, now);
        }
        n
    }

    pub(super) fn merge(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        a: &RowImage,
        b: &RowImage,
    ) -> RowImage {
        let mut all: Vec<i64> = a
            .siblings
            .iter()
            .chain(b.siblings.iter())
            .copied()
            .collect();
        all.push(a.balance);
        all.push(b.balance);
        crate::sim::sort::sort_by(&mut all, i64::cmp);
        all.dedup();
        let (s, w) = if a.origin == Side::Source {
            (a, b)
        } else {
            (b, a)
        };
        ctx.note(format!(
            "conflict on account {}: the source has ${} and the warehouse ${}; both kept as siblings for a person to resolve",
            a.id, s.balance, w.balance
        ));
        RowImage {
            id: a.id,
            balance: s.balance,
            stamp: a.stamp.max(b.stamp),
            version: s.version,
            origin: Side::Source,
            siblings: all,
        }
    }

    pub(super) fn record_loss(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        id: u16,
        win: &RowImage,
        lose: &RowImage,
    ) {
        let text = format!(
            "account {id}: the {}'s update to ${} (updated_at {}) was overwritten by the {}'s ${} (updated_at {}), last writer wins",
            lose.origin.name(),
            lose.balance,
            stamp_text(lose.stamp),
            win.origin.name(),
            win.balance,
            stamp_text(win.stamp)
        );
        let event = ctx.note(format!(
            "conflict: {text}; the update to ${} is lost",
            lose.balance
        ));
        let i = (id - 1) as usize;
        let (change, how) = match lose.origin {
            Side::Warehouse => (self.wh[i].last_own, LWW_WAREHOUSE),
            Side::Source => (self.src[i].last_own, LWW_SOURCE),
        };
        let when = Moment {
            at: ctx.now(),
            event,
        };
        match &mut self.overwritten[i] {
            Some((_, more)) => *more += 1,
            slot => {
                *slot = Some((
                    Loss {
                        id: change,
                        how,
                        when,
                    },
                    0,
                ))
            }
        }
        self.lost_count += 1;
        if self.lost.is_none() {
            self.lost = Some(text);
        }
    }

    /// Two-way: pages from both sides are in; decide what goes where.
    pub(super) fn reconcile(
        &mut self,
        ctx: &mut Ctx<'_, AnyMsg>,
        wh_page: Vec<RowImage>,
    ) -> (Vec<RowImage>, Vec<RowImage>) {
        let src_page = self
            .run
            .as_mut()
            .map(|r| std::mem::take(&mut r.src_page))
            .unwrap_or_default();
        let mut from_wh: VecMap<u16, RowImage> = wh_page.into_iter().map(|r| (r.id, r)).collect();
        let (mut to_wh, mut to_src) = (Vec::new(), Vec::new());
        for s in src_page {
            match from_wh.remove(&s.id) {
                Some(w) if w.balance != s.balance || w.siblings != s.siblings => {
                    if self.siblings {
                        let m = self.merge(ctx, &s, &w);
                        to_wh.push(m.clone());
                        to_src.push(m);
                    } else if w.stamp > s.stamp {
                        self.record_loss(ctx, s.id, &w, &s);
                        to_src.push(w);
                    } else {
                        self.record_loss(ctx, s.id, &s, &w);
                        to_wh.push(s);
                    }
                }
                Some(_) => {}
                None => to_wh.push(s),
            }
        }
        to_src.extend(from_wh.into_values());
        (to_wh, to_src)
    }
}
