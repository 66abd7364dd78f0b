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

/// The states a checkpointed loop keeps, in slots. A loop inside another runs once per outer
/// iteration: each run that iterates at all keeps its states in a frame of its own, and the
/// reverse sweep, which reverses the runs last first, takes the frames last first.
#[derive(Clone, Debug)]
pub struct Snapshots<S> {
    slots: Vec<S>,
    frames: Vec<Frame>,
}

/// One run of the loop: where its slots start, and, of the binomial schedule where the run's
/// trip count was known at its start, the schedule's first descent, which the forward sweep
/// carries out as it goes.
#[derive(Clone, Copy, Debug)]
struct Frame {
    base: usize,
    /// The iteration whose state is kept next, if any: what the forward sweep compares each
    /// iteration with.
    next: Option<usize>,
    descent: Option<Descent>,
}

impl<S> Default for Snapshots<S> {
    fn default() -> Self {
        Snapshots {
            slots: Vec::new(),
            frames: Vec::new(),
        }
    }
}

/// The binomial schedule's first descent: from the first state, advance `j`, save, and again
/// with what is left and one slot fewer, down to its last iteration or its last slot. Every
/// task it leaves for later is the first part of one of these steps.
#[derive(Clone, Copy, Debug)]
struct Descent {
    /// The trip count it is for.
    planned: usize,
    /// The task it is in: `Task::Reverse` of these.
    from: usize,
    len: usize,
    slot: usize,
    slots: usize,
    /// At least the task's repetitions (see [`split`]).
    r: usize,
    /// The iteration whose state it keeps next (in `slot + 1`), if any.
    next: Option<usize>,
}

impl Descent {
    fn new(planned: usize, slots: usize) -> Self {
        let mut d = Descent {
            planned,
            from: 0,
            len: planned,
            slot: 0,
            slots,
            r: repetitions(planned, slots),
            next: None,
        };
        d.plan();
        d
    }

    /// Where the current task keeps its next state, if it splits.
    fn plan(&mut self) {
        self.next = None;
        if self.len > 1 && self.slots > 1 {
            let (j, r) = split(self.len, self.slots, self.r);
            (self.next, self.r) = (Some(self.from + j), r);
        }
    }

    /// The state at `next` is kept: on to the task of what follows it.
    fn descend(&mut self, at: usize) {
        self.len -= at - self.from;
        self.from = at;
        self.slot += 1;
        self.slots -= 1;
        self.plan();
    }
}

impl<S> Snapshots<S> {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// In the forward sweep, at the start of iteration `k` (from 0): keeps `state()` if
    /// `schedule` wants it. `bound()`, asked once, is the loop's trip count if its iterator
    /// knows it: then the binomial schedule's first descent is carried out here, and the
    /// reverse sweep starts after it unless the loop left early.
    #[inline(always)]
    pub fn offer(
        &mut self,
        k: usize,
        schedule: Schedule,
        bound: impl FnOnce() -> Option<usize>,
        state: impl FnOnce() -> S,
    ) {
        if k == 0 {
            let (next, descent) = match schedule {
                Schedule::Every(n) => (Some(n), None),
                Schedule::Binomial(s) => {
                    let descent = bound().map(|t| Descent::new(t, s.max(1)));
                    (descent.and_then(|d| d.next), descent)
                }
            };
            let base = self.slots.len();
            self.frames.push(Frame {
                base,
                next,
                descent,
            });
            self.slots.push(state());
            return;
        }
        let Some(frame) = self.frames.last_mut().filter(|f| f.next == Some(k)) else {
            return;
        };
        let at = match (schedule, frame.descent.as_mut()) {
            (Schedule::Every(n), _) => {
                frame.next = Some(k + n);
                self.slots.len()
            }
            (Schedule::Binomial(_), Some(d)) => {
                let slot = d.slot + 1;
                d.descend(k);
                frame.next = d.next;
                frame.base + slot
            }
            (Schedule::Binomial(_), None) => return,
        };
        self.put(at, state());
    }

    /// After the reverse sweep of a run of `count` iterations: its frame is done with.
    #[inline]
    pub fn finish(&mut self, count: usize) {
        if count > 0 {
            if let Some(frame) = self.frames.pop() {
                self.slots.truncate(frame.base);
            }
        }
    }

    /// Where the current run's slots start.
    fn base(&self) -> usize {
        self.frames.last().map_or(0, |f| f.base)
    }

    /// The reverse sweep of the loop, which ran `count` iterations under `schedule`.
    pub fn actions(&self, schedule: Schedule, count: usize) -> Actions {
        let mut actions = Actions::new(schedule, count);
        let descent = self.frames.last().and_then(|f| f.descent);
        let Some(d) = descent.filter(|d| d.planned == count) else {
            return actions;
        };
        // What the descent left: the first part of each of its steps, then its last task.
        actions.tasks.clear();
        let Schedule::Binomial(s) = schedule else {
            return actions;
        };
        let mut at = Descent::new(count, s.max(1));
        while at.from < d.from {
            let next = at.next.expect("the descent went on from here");
            actions.tasks.push(Task::Reverse {
                slot: at.slot,
                from: at.from,
                len: next - at.from,
                slots: at.slots,
                r: at.r.saturating_sub(1),
            });
            at.descend(next);
        }
        if d.len > 0 {
            actions.tasks.push(Task::Reverse {
                slot: d.slot,
                from: d.from,
                len: d.len,
                slots: d.slots,
                r: d.r,
            });
        }
        actions
    }

    /// Keeps `state` in `slot` of the current run: one that is in use, or the next one.
    #[inline]
    pub fn save(&mut self, slot: usize, state: S) {
        self.put(self.base() + slot, state);
    }

    /// Keeps `state` at `at` of all the slots: one in use, or the next one.
    #[inline]
    fn put(&mut self, at: usize, state: S) {
        match self.slots.get_mut(at) {
            Some(s) => *s = state,
            None => self.slots.push(state),
        }
    }

    /// The state kept in `slot` of the current run.
    #[inline]
    pub fn get(&self, slot: usize) -> &S {
        &self.slots[self.base() + slot]
    }

    /// How many states the current run keeps now.
    pub fn len(&self) -> usize {
        self.slots.len() - self.base()
    }

    /// Whether the current run keeps no state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The [`Action`]s of a reverse sweep, made as they are taken.
#[derive(Clone, Debug)]
pub struct Actions {
    /// What is left to do, the next last.
    tasks: Vec<Task>,
    /// Actions of the task begun, in order, `next..len` still to take: at most three.
    queue: [Action; 3],
    next: usize,
    len: usize,
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
    /// `slot` on and at most `r` repetitions (see [`split`]).
    Reverse {
        slot: usize,
        from: usize,
        len: usize,
        slots: usize,
        r: usize,
    },
}

impl Actions {
    /// The reverse sweep of a loop that ran `count` iterations under `schedule`, in order.
    pub fn new(schedule: Schedule, count: usize) -> Self {
        let mut actions = Actions {
            tasks: Vec::new(),
            queue: [Action::Save(0); 3],
            next: 0,
            len: 0,
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
                r: repetitions(count, s.max(1)),
            }),
            Schedule::Binomial(_) => {}
        }
        actions
    }

    fn queue(&mut self, action: Action) {
        self.queue[self.len] = action;
        self.len += 1;
    }

    /// Queues `Restore(slot)` unless the state is there already.
    fn restore(&mut self, slot: usize) {
        if self.at != Some(slot) {
            self.queue(Action::Restore(slot));
        }
    }

    #[inline(never)]
    fn begin(&mut self, task: Task) {
        match task {
            Task::Segment { slot, from, len } => {
                self.restore(slot);
                self.queue(Action::Reverse { from, len });
            }
            Task::Reverse {
                slot, from, len: 1, ..
            } => {
                self.restore(slot);
                self.queue(Action::Reverse { from, len: 1 });
            }
            // No slot to spare: run up to the last iteration from the first state each time.
            Task::Reverse {
                slot,
                from,
                len,
                slots: 1,
                r,
            } => {
                self.restore(slot);
                self.queue(Action::Advance { from, len: len - 1 });
                self.queue(Action::Reverse {
                    from: from + len - 1,
                    len: 1,
                });
                self.tasks.push(Task::Reverse {
                    slot,
                    from,
                    len: len - 1,
                    slots: 1,
                    r,
                });
            }
            // Advance `j` iterations, keep that state, reverse what follows it with one slot
            // fewer, then the first `j` with the slot freed again.
            Task::Reverse {
                slot,
                from,
                len,
                slots,
                r,
            } => {
                let (j, r) = split(len, slots, r);
                self.restore(slot);
                self.queue(Action::Advance { from, len: j });
                self.queue(Action::Save(slot + 1));
                self.tasks.push(Task::Reverse {
                    slot,
                    from,
                    len: j,
                    slots,
                    r: r - 1,
                });
                self.tasks.push(Task::Reverse {
                    slot: slot + 1,
                    from: from + j,
                    len: len - j,
                    slots: slots - 1,
                    r,
                });
            }
        }
    }
}

impl Iterator for Actions {
    type Item = Action;

    // Inlined into the reverse sweep's loop, with the begun task's queue read there; beginning
    // the next task stays a call.
    #[inline]
    fn next(&mut self) -> Option<Action> {
        while self.next == self.len {
            (self.next, self.len) = (0, 0);
            let task = self.tasks.pop()?;
            self.begin(task);
        }
        let action = self.queue[self.next];
        self.next += 1;
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
    // C(n, k) = ∏ (n − k + i) / i for i in 1..=k, exact at each step; k = min(s, r) ≤ r is
    // small where the schedule asks.
    let (n, k) = (s.saturating_add(r), s.min(r));
    let mut c: usize = 1;
    for i in 1..=k {
        c = match c.checked_mul(n - k + i) {
            Some(c) => c / i,
            None => return usize::MAX,
        };
    }
    c
}

/// The least `r` with C(s + r, s) ≥ `len`: how many times the schedule runs an iteration forward
/// beyond the recording one, at most.
pub fn repetitions(len: usize, s: usize) -> usize {
    // C(s + r, s) grows with r: double past it, then bisect (r is large for few slots).
    let mut hi = 1;
    while beta(s, hi) < len && hi < usize::MAX {
        hi = hi.saturating_mul(2);
    }
    let mut lo = 0;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match beta(s, mid) < len {
            true => lo = mid + 1,
            false => hi = mid,
        }
    }
    lo
}

/// Where the binomial schedule keeps its next state in `len ≥ 2` iterations with `s ≥ 2`
/// slots, and the task's repetitions `r` (the least with C(s + r, s) ≥ `len`), given a bound
/// `at_most` on them: the first `j` iterations are then reversed with `s` slots and `r - 1`
/// repetitions, the rest with `s - 1` and `r`, which bounds theirs. Of the valid `j`, this one
/// runs the fewest iterations forward in all (Griewank and Walther, Algorithm 799); a test
/// checks it against every choice. Passing the bound down saves a search per task.
fn split(len: usize, s: usize, at_most: usize) -> (usize, usize) {
    let mut r = at_most.max(1);
    while r > 1 && beta(s, r - 1) >= len {
        r -= 1;
    }
    let left = beta(s, r - 1);
    let right = beta(s - 1, r - 1);
    (left.min(len.saturating_sub(right)).clamp(1, len - 1), r)
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
    /// `bound` is what the loop's iterator says its trip count is (at least `count`); the
    /// forward sweep's own iterations count as advanced where they went into the descent.
    fn run_with(
        schedule: Schedule,
        count: usize,
        bound: Option<usize>,
    ) -> (usize, usize, Vec<usize>) {
        let (mut snaps, mut state) = (Snapshots::new(), 0);
        let mut last_kept = 0;
        for k in 0..count {
            snaps.offer(
                k,
                schedule,
                || bound,
                || {
                    last_kept = k;
                    k
                },
            );
            state = k + 1;
        }
        let descended = matches!(schedule, Schedule::Binomial(_)) && bound == Some(count);
        let mut advanced = if descended { last_kept } else { 0 };
        let (mut most, mut reversed) = (snaps.len(), Vec::new());
        for action in snaps.actions(schedule, count) {
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

    fn run(schedule: Schedule, count: usize) -> (usize, usize, Vec<usize>) {
        run_with(schedule, count, Some(count))
    }

    #[test]
    fn binomial_is_optimal_and_reverses_every_iteration_once() {
        let mut memo = Default::default();
        for s in 1..=6 {
            for t in 0..=120usize {
                // The trip count known at the start, not known, or a bound the loop left early.
                for bound in [Some(t), None, Some(t + 3)] {
                    let (advanced, most, reversed) = run_with(Schedule::binomial(s), t, bound);
                    let case = format!("T = {t}, S = {s}, bound {bound:?}");
                    assert_eq!(reversed, (0..t).rev().collect::<Vec<_>>(), "{case}");
                    assert!(most <= s, "{case}: {most} states");
                    assert_eq!(advanced, fewest(t, s, &mut memo), "{case}");
                }
            }
        }
    }

    #[test]
    fn binomial_runs_each_iteration_at_most_r_more_times() {
        // T = 10⁷, S = 32: r = 7 (C(39, 7) = 15 380 937), so about 6 runs more on average.
        assert_eq!(repetitions(10_000_000, 32), 7);
        assert_eq!(repetitions(1, 5), 0);
        assert_eq!(repetitions(7, 1), 6);
        // A trip count known only as a bound (`while`): quick however large.
        assert_eq!(repetitions(usize::MAX, 1), usize::MAX - 1);
        assert!(repetitions(usize::MAX, 3) > 1_000_000);
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

    /// Runs of a loop inside another: the reverse sweep takes them last first, each from its own
    /// states; a run of no iterations keeps none and takes none.
    #[test]
    fn runs_keep_frames_of_their_own() {
        for schedule in [
            Schedule::every(3),
            Schedule::binomial(2),
            Schedule::binomial(4),
        ] {
            let mut snaps = Snapshots::new();
            let runs = [(7, 100), (0, 200), (5, 300), (9, 400)];
            for (count, start) in runs {
                for k in 0..count {
                    snaps.offer(k, schedule, || Some(count), || start + k);
                }
            }
            for (count, start) in runs.into_iter().rev() {
                let mut state = usize::MAX;
                let mut reversed = Vec::new();
                for action in snaps.actions(schedule, count) {
                    match action {
                        Action::Advance { from, len } => {
                            assert_eq!(state, start + from);
                            state += len;
                        }
                        Action::Save(slot) => snaps.save(slot, state),
                        Action::Restore(slot) => state = *snaps.get(slot),
                        Action::Reverse { from, len } => {
                            assert_eq!(state, start + from, "{schedule:?}");
                            reversed.extend((from..from + len).rev());
                            state = usize::MAX;
                        }
                    }
                }
                snaps.finish(count);
                assert_eq!(reversed, (0..count).rev().collect::<Vec<_>>());
            }
            assert!(snaps.is_empty());
        }
    }

    #[test]
    fn segments_skip_and_take() {
        let s: Vec<usize> = segment((0..20).rev().step_by(3), 2, 3).collect();
        assert_eq!(s, [13, 10, 7]);
    }
}
