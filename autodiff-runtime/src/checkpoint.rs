//! Checkpointing: which states of a loop the forward sweep keeps, and in what order the reverse
//! sweep recomputes and reverses the loop's iterations from them.
//!
//! The code `#[grad]` writes for `#[checkpoint(..)]` on a loop keeps the loop's state (the
//! locals and buffers its iterations read and write) in a [`Snapshots`] and, in the reverse
//! sweep, carries out the [`Action`]s of [`Actions::new`] one by one: the schedule lives
//! here, once, and the generated code only knows how to advance, save, restore and reverse.
//!
//! - `every = K` ([`Schedule::Every`]): the forward sweep keeps the state at the start of
//!   iterations 0, K, 2K, …; the reverse sweep restores each, last first, re-runs its segment of
//!   at most K iterations recording what their reverse needs, and reverses them. Memory:
//!   ⌈T / K⌉ states and K iterations' tape; time: one more forward sweep.
//! - `snapshots = S` ([`Schedule::Binomial`]): at most S states, placed by Griewank's binomial
//!   schedule (revolve), which recomputes the fewest iterations possible with S states: each is
//!   run forward at most r + 1 times for the least r with C(S + r, S) ≥ T. The forward sweep
//!   keeps only the state at the start (the trip count of a loop that may `break`, or of a
//!   `while`, is known only at its end); the reverse sweep, knowing T, runs the whole schedule
//!   from there. That costs one forward sweep more than an offline schedule and works for every
//!   loop.

/// What the reverse sweep of a checkpointed loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run iterations `from..from + len` forward, recording nothing.
    Advance {
        /// The first iteration.
        from: usize,
        /// How many.
        len: usize,
    },
    /// Keep the current state in slot `0`.
    Save(usize),
    /// Set the state to the one kept in slot `0`.
    Restore(usize),
    /// Run iterations `from..from + len` forward recording what their reverse needs, then
    /// reverse them, last first.
    Reverse {
        /// The first iteration.
        from: usize,
        /// How many.
        len: usize,
    },
}

/// How a checkpointed loop keeps its states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// The state at the start of every `k`-th iteration (`every = k`).
    Every(usize),
    /// At most `s` states at once, placed by the binomial schedule (`snapshots = s`).
    Binomial(usize),
}

impl Schedule {
    /// `every = k`; `k = 0` counts as 1.
    #[inline]
    pub fn every(k: usize) -> Self {
        Schedule::Every(k.max(1))
    }

    /// `snapshots = s`; `s = 0` counts as 1.
    #[inline]
    pub fn binomial(s: usize) -> Self {
        Schedule::Binomial(s.max(1))
    }
}

/// The states a checkpointed loop keeps, in slots.
#[derive(Clone, Debug)]
pub struct Snapshots<S> {
    slots: Vec<S>,
}

impl<S> Default for Snapshots<S> {
    fn default() -> Self {
        Snapshots { slots: Vec::new() }
    }
}

impl<S> Snapshots<S> {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// In the forward sweep, at the start of iteration `k` (from 0): keeps `state()` if
    /// `schedule` wants it.
    #[inline(always)]
    pub fn offer(&mut self, k: usize, schedule: Schedule, state: impl FnOnce() -> S) {
        let keep = match schedule {
            Schedule::Every(n) => k.is_multiple_of(n),
            Schedule::Binomial(_) => k == 0,
        };
        if keep {
            self.slots.push(state());
        }
    }

    /// Keeps `state` in `slot`: one that is in use, or the next one.
    #[inline]
    pub fn save(&mut self, slot: usize, state: S) {
        match self.slots.get_mut(slot) {
            Some(s) => *s = state,
            None => self.slots.push(state),
        }
    }

    /// The state kept in `slot`.
    #[inline]
    pub fn get(&self, slot: usize) -> &S {
        &self.slots[slot]
    }

    /// How many states are kept now.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no state is kept.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// The [`Action`]s of a reverse sweep, made as they are taken.
#[derive(Clone, Debug)]
pub struct Actions {
    /// What is left to do, the next last.
    tasks: Vec<Task>,
    /// Actions of the task begun, the next last.
    queue: Vec<Action>,
    /// Where the state is now, if it is a kept state's: no need to restore it.
    at: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
enum Task {
    /// Restore `slot`, then reverse `from..from + len`.
    Segment {
        slot: usize,
        from: usize,
        len: usize,
    },
    /// Reverse `from..from + len`, whose first state is in `slot`, with `slots` slots from
    /// `slot` on.
    Reverse {
        slot: usize,
        from: usize,
        len: usize,
        slots: usize,
    },
}

impl Actions {
    /// The reverse sweep of a loop that ran `count` iterations under `schedule`, in order.
    pub fn new(schedule: Schedule, count: usize) -> Self {
        let mut actions = Actions {
            tasks: Vec::new(),
            queue: Vec::new(),
            at: None,
        };
        match schedule {
            Schedule::Every(k) => {
                // Pushed first segment first: the last is taken first.
                for from in (0..count).step_by(k.max(1)) {
                    actions.tasks.push(Task::Segment {
                        slot: from / k,
                        from,
                        len: k.min(count - from),
                    });
                }
            }
            Schedule::Binomial(s) if count > 0 => actions.tasks.push(Task::Reverse {
                slot: 0,
                from: 0,
                len: count,
                slots: s.max(1),
            }),
            Schedule::Binomial(_) => {}
        }
        actions
    }

    /// Queues `Restore(slot)` unless the state is there already.
    fn restore(&mut self, slot: usize, queued: &mut Vec<Action>) {
        if self.at != Some(slot) {
            queued.push(Action::Restore(slot));
        }
    }

    fn begin(&mut self, task: Task) {
        let mut queued = Vec::new();
        match task {
            Task::Segment { slot, from, len } => {
                self.restore(slot, &mut queued);
                queued.push(Action::Reverse { from, len });
            }
            Task::Reverse {
                slot, from, len: 1, ..
            } => {
                self.restore(slot, &mut queued);
                queued.push(Action::Reverse { from, len: 1 });
            }
            // No slot to spare: run up to the last iteration from the first state each time.
            Task::Reverse {
                slot,
                from,
                len,
                slots: 1,
            } => {
                self.restore(slot, &mut queued);
                queued.push(Action::Advance { from, len: len - 1 });
                queued.push(Action::Reverse {
                    from: from + len - 1,
                    len: 1,
                });
                self.tasks.push(Task::Reverse {
                    slot,
                    from,
                    len: len - 1,
                    slots: 1,
                });
            }
            // Advance `j` iterations, keep that state, reverse what follows it with one slot
            // fewer, then the first `j` with the slot freed again.
            Task::Reverse {
                slot,
                from,
                len,
                slots,
            } => {
                let j = split(len, slots);
                self.restore(slot, &mut queued);
                queued.push(Action::Advance { from, len: j });
                queued.push(Action::Save(slot + 1));
                self.tasks.push(Task::Reverse {
                    slot,
                    from,
                    len: j,
                    slots,
                });
                self.tasks.push(Task::Reverse {
                    slot: slot + 1,
                    from: from + j,
                    len: len - j,
                    slots: slots - 1,
                });
            }
        }
        queued.reverse();
        self.queue = queued;
    }
}

impl Iterator for Actions {
    type Item = Action;

    fn next(&mut self) -> Option<Action> {
        while self.queue.is_empty() {
            let task = self.tasks.pop()?;
            self.begin(task);
        }
        let action = self.queue.pop()?;
        self.at = match action {
            Action::Restore(slot) | Action::Save(slot) => Some(slot),
            Action::Advance { .. } | Action::Reverse { .. } => None,
        };
        Some(action)
    }
}

/// C(s + r, s): how many iterations `s` states reverse with each run forward at most `r + 1`
/// times (saturating).
fn beta(s: usize, r: usize) -> usize {
    // C(s + r, s) = ∏ (r + i) / i for i in 1..=s, exact at each step.
    let mut c: u128 = 1;
    for i in 1..=s as u128 {
        c = c * (r as u128 + i) / i;
        if c > usize::MAX as u128 {
            return usize::MAX;
        }
    }
    c as usize
}

/// The least `r` with C(s + r, s) ≥ `len`: how many times the schedule runs an iteration forward
/// beyond the recording one, at most.
pub fn repetitions(len: usize, s: usize) -> usize {
    let mut r = 0;
    while beta(s, r) < len {
        r += 1;
    }
    r
}

/// Where the binomial schedule keeps its next state in `len` iterations with `s ≥ 2` slots:
/// the first `j` iterations are then reversed with `s` slots and `r - 1` repetitions, the rest
/// with `s - 1` and `r`. Of the valid `j`, this one runs the fewest iterations forward in all
/// (Griewank and Walther, Algorithm 799); a test checks it against every choice.
fn split(len: usize, s: usize) -> usize {
    let r = repetitions(len, s);
    let left = beta(s, r.saturating_sub(1));
    let right = beta(s - 1, r.saturating_sub(1));
    left.min(len.saturating_sub(right)).clamp(1, len - 1)
}

/// `iter`'s items `from..from + len`, in order: a segment of a checkpointed loop. Ranges,
/// `rev` and `step_by` skip in constant time.
#[inline(always)]
pub fn segment<I: Iterator>(
    iter: I,
    from: usize,
    len: usize,
) -> std::iter::Take<std::iter::Skip<I>> {
    iter.skip(from).take(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the schedule of `count` iterations as the generated code would, on a state that is
    /// the iteration it has reached, checking each action is possible; returns how many
    /// iterations it advanced, the most states kept at once, and the iterations reversed.
    fn run(schedule: Schedule, count: usize) -> (usize, usize, Vec<usize>) {
        let (mut snaps, mut state) = (Snapshots::new(), 0);
        for k in 0..count {
            snaps.offer(k, schedule, || k);
            state = k + 1;
        }
        let (mut advanced, mut most, mut reversed) = (0, snaps.len(), Vec::new());
        for action in Actions::new(schedule, count) {
            match action {
                Action::Advance { from, len } => {
                    assert_eq!(state, from, "advance from where the state is");
                    state += len;
                    advanced += len;
                }
                Action::Save(slot) => {
                    assert!(slot <= snaps.len());
                    snaps.save(slot, state);
                    most = most.max(snaps.len());
                }
                Action::Restore(slot) => state = *snaps.get(slot),
                Action::Reverse { from, len } => {
                    assert_eq!(state, from, "reverse from where the state is");
                    reversed.extend((from..from + len).rev());
                    state = usize::MAX;
                }
            }
        }
        (advanced, most, reversed)
    }

    /// The fewest iterations a reverse of `len` iterations with `s` slots (the first state's
    /// included) must advance, over every schedule.
    fn fewest(
        len: usize,
        s: usize,
        memo: &mut std::collections::HashMap<(usize, usize), usize>,
    ) -> usize {
        if len <= 1 {
            return 0;
        }
        if s == 1 {
            return len * (len - 1) / 2;
        }
        if let Some(&f) = memo.get(&(len, s)) {
            return f;
        }
        let f = (1..len)
            .map(|j| j + fewest(len - j, s - 1, memo) + fewest(j, s, memo))
            .min()
            .expect("len ≥ 2");
        memo.insert((len, s), f);
        f
    }

    #[test]
    fn binomial_is_optimal_and_reverses_every_iteration_once() {
        let mut memo = Default::default();
        for s in 1..=6 {
            for t in 0..=120 {
                let (advanced, most, reversed) = run(Schedule::binomial(s), t);
                assert_eq!(
                    reversed,
                    (0..t).rev().collect::<Vec<_>>(),
                    "T = {t}, S = {s}"
                );
                assert!(most <= s, "T = {t}, S = {s}: {most} states");
                assert_eq!(advanced, fewest(t, s, &mut memo), "T = {t}, S = {s}");
            }
        }
    }

    #[test]
    fn binomial_runs_each_iteration_at_most_r_more_times() {
        // T = 10⁷, S = 32: r = 7 (C(39, 7) = 15 380 937), so about 6 runs more on average.
        assert_eq!(repetitions(10_000_000, 32), 7);
        for (t, s) in [(1000, 4), (10_000, 8), (100_000, 32)] {
            let (advanced, most, _) = run(Schedule::binomial(s), t);
            let r = repetitions(t, s);
            assert!(advanced <= r * t, "T = {t}, S = {s}: {advanced} > {r}·T");
            assert!(most <= s);
        }
    }

    #[test]
    fn every_restores_each_segment_last_first() {
        for k in 1..=5 {
            for t in 0..=23 {
                let (advanced, most, reversed) = run(Schedule::every(k), t);
                assert_eq!(advanced, 0);
                assert_eq!(most, t.div_ceil(k));
                assert_eq!(reversed, (0..t).rev().collect::<Vec<_>>());
            }
        }
        let actions: Vec<Action> = { Actions::new(Schedule::every(4), 8).collect() };
        assert_eq!(
            actions,
            [
                Action::Restore(1),
                Action::Reverse { from: 4, len: 4 },
                Action::Restore(0),
                Action::Reverse { from: 0, len: 4 },
            ]
        );
    }

    #[test]
    fn segments_skip_and_take() {
        let s: Vec<usize> = segment((0..20).rev().step_by(3), 2, 3).collect();
        assert_eq!(s, [13, 10, 7]);
    }
}
