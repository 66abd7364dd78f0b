//! Compile-time reverse-mode automatic differentiation for Rust.
//!
//! Put `#[grad]` on an ordinary function of floats and get its exact gradient as plain Rust,
//! generated at compile time: a forward sweep that evaluates the function, then a reverse sweep
//! that accumulates `v̄ += ū · ∂u/∂v` back to every input. No runtime graph, no global tape, no
//! operator overloading: the gradient is Rust code that rustc optimises like a hand-written
//! adjoint, on stable Rust.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn f(x1: f64, x2: f64) -> f64 {
//!     let t = x1 - x2;
//!     t * t + (x1 + x2).cos()
//! }
//!
//! let (y, (dx1, dx2)) = f_grad(1.0, 2.0);
//! assert!((y - (1.0 + 3.0_f64.cos())).abs() < 1e-12);
//! assert!((dx1 - (-2.0 - 3.0_f64.sin())).abs() < 1e-12);
//! assert!((dx2 - (2.0 - 3.0_f64.sin())).abs() < 1e-12);
//!
//! // The vector-Jacobian product adds seed · ∂f/∂x into each bar.
//! let (mut b1, mut b2) = (0.0, 0.0);
//! let y2 = f_vjp(1.0, 2.0, 1.0, &mut b1, &mut b2);
//! assert_eq!((y2, b1, b2), (y, dx1, dx2));
//! ```
//!
//! Loops, branches, mutation and arrays work as in any Rust function; array parameters get
//! array gradients (`&[f64]` → `Vec<f64>`, `[f64; N]` → `[f64; N]`):
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn rosenbrock(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() - 1 {
//!         let a = x[i + 1] - x[i] * x[i];
//!         let b = 1.0 - x[i];
//!         s += 100.0 * a * a + b * b;
//!     }
//!     s
//! }
//!
//! #[grad(wrt(a))]
//! fn newton_sqrt(a: f64, tol: f64) -> f64 {
//!     let mut y = a.max(1.0);
//!     while (y * y - a).abs() > tol {
//!         y = 0.5 * (y + a / y);
//!     }
//!     y
//! }
//!
//! let (value, g) = rosenbrock_grad(&[1.0, 1.0, 1.0]);
//! assert_eq!((value, g), (0.0, vec![0.0, 0.0, 0.0]));
//!
//! // The derivative of the iterations that ran: 1 / (2√a).
//! let (root, d) = newton_sqrt_grad(2.0, 1e-12);
//! assert!((root - 2f64.sqrt()).abs() < 1e-12);
//! assert!((d - 0.5 / 2f64.sqrt()).abs() < 1e-9);
//! ```
//!
//! The rest of this page is the user guide: what `#[grad]` generates, what it accepts, how to
//! plug in your own derivatives, and what it does at the points where a derivative is a
//! matter of convention. `cargo run --example tour` shows the generated tables for the
//! textbook cases.
//!
//! # The contract
//!
//! For `#[grad] fn NAME(params) -> R` with `R` = `f64` or `f32`, next to the untouched `NAME`:
//!
//! | item | shape |
//! | --- | --- |
//! | `NAME_grad(params) -> (R, G)` | the value, then one gradient entry per *active* parameter, in parameter order; with a single active parameter `G` is that entry itself, not a 1-tuple |
//! | `NAME_vjp(params, seed: R, bars…) -> R` | one `&mut` bar per active parameter, in order; adds `seed · ∂NAME/∂param` into each (it accumulates, never overwrites) and returns the value |
//!
//! The gradient entry and the bar of each kind of active parameter:
//!
//! | parameter | entry in `NAME_grad` | bar in `NAME_vjp` |
//! | --- | --- | --- |
//! | `x: f64` (`f32`) | `f64` (`f32`) | `&mut f64` (`&mut f32`) |
//! | `x: [f64; N]`, `x: &[f64; N]` | `[f64; N]` | `&mut [f64; N]` |
//! | `x: &[f64]`, `x: &Vec<f64>`, `x: Vec<f64>` | `Vec<f64>` of `x`'s length | `&mut [f64]` of `x`'s length |
//! | nested, `x: &[Vec<f64>]`, `x: &[[f64; 3]]` | `Vec<Vec<f64>>`, `Vec<[f64; 3]>` | `&mut [Vec<f64>]`, `&mut [[f64; 3]]` |
//!
//! The companions have the visibility of `NAME` and share its `cfg` and lint attributes. A
//! slice bar of the wrong length is a panic that names it, with one exception: an *empty* bar
//! for a non-empty slice means "this adjoint is not wanted" (see [custom
//! rules](#custom-rules-writing-name_vjp-by-hand)).
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn energy(p: [f64; 2], v: &[f64], k: f64) -> f64 {
//!     let mut s = k * (p[0] * p[0] + p[1] * p[1]);
//!     for i in 0..v.len() {
//!         s += 0.5 * v[i] * v[i];
//!     }
//!     s
//! }
//!
//! let v = vec![1.0, -2.0, 3.0];
//! let (e, (gp, gv, gk)) = energy_grad([1.0, 2.0], &v, 3.0);
//! assert_eq!(e, 15.0 + 7.0);
//! assert_eq!(gp, [6.0, 12.0]); // [f64; 2]
//! assert_eq!(gv, vec![1.0, -2.0, 3.0]); // Vec<f64>
//! assert_eq!(gk, 5.0);
//!
//! // `_vjp` adds `seed · gradient` to whatever the bars hold.
//! let (mut bp, mut bv, mut bk) = ([1.0, 1.0], vec![0.0; 3], 0.0);
//! let e2 = energy_vjp([1.0, 2.0], &v, 3.0, 2.0, &mut bp, &mut bv, &mut bk);
//! assert_eq!(e2, e);
//! assert_eq!(bp, [13.0, 25.0]);
//! assert_eq!(bv, [2.0, -4.0, 6.0]);
//! assert_eq!(bk, 10.0);
//! ```
//!
//! ## Vector results
//!
//! A function may return several floats: an array `[f64; M]` or a tuple `(f64, f64, …)` (all
//! of one width, `f64` or `f32`). It has no `NAME_grad`; instead
//!
//! | item | shape |
//! | --- | --- |
//! | `NAME_vjp(params, seed: R, bars…) -> R` | the seed has the result's type (`(f64, f64)`, `[f64; M]`); adds `seedᵀ J` into the bars, without forming `J`; returns the value |
//! | `NAME_jacobian(params) -> (R, Vec<F>)` | the value and the Jacobian `J`, row-major: one row per float of the result, one column per float of the active parameters in parameter order (a slice contributes one column per element); one reverse sweep per row |
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn polar(r: f64, theta: f64) -> (f64, f64) {
//!     (r * theta.cos(), r * theta.sin())
//! }
//!
//! #[grad]
//! fn moments(x: &[f64]) -> [f64; 2] {
//!     let mut s = 0.0;
//!     let mut q = 0.0;
//!     for i in 0..x.len() {
//!         s += x[i];
//!         q += x[i] * x[i];
//!     }
//!     [s, q]
//! }
//!
//! // uᵀJ for u = (1, 1): (cos θ + sin θ, r cos θ − r sin θ).
//! let (mut br, mut bt) = (0.0, 0.0);
//! let value = polar_vjp(2.0, 0.0, (1.0, 1.0), &mut br, &mut bt);
//! assert_eq!(value, (2.0, 0.0));
//! assert_eq!((br, bt), (1.0, 2.0));
//!
//! // Two rows (s, q), three columns (x[0], x[1], x[2]).
//! let (value, j) = moments_jacobian(&[1.0, 2.0, 3.0]);
//! assert_eq!(value, [6.0, 14.0]);
//! assert_eq!(j, vec![1.0, 1.0, 1.0, 2.0, 4.0, 6.0]);
//! ```
//!
//! # Forward mode and second order
//!
//! Ask for them in the attribute: `#[grad(jvp)]` adds `NAME_jvp`, `#[grad(hvp)]` adds `NAME_hvp`
//! and `NAME_hessian`, and `NAME_jvp` with them (options combine: `#[grad(wrt(x), jvp, hvp)]`).
//!
//! | item | shape |
//! | --- | --- |
//! | `NAME_jvp(params, tangents) -> (R, Ṙ)` | one tangent per active parameter, in order, of the parameter's own type (`f64`, `&[f64]`, `[f64; N]`); returns the value and `J·ẋ`, the result's tangent (of `R`'s type), in one sweep beside the values, with no tape |
//! | `NAME_hvp(params, directions) -> (R, G, G)` | directions like tangents; returns the value, the gradient and `H·v`, both shaped as `NAME_grad`'s `G`; scalar results only |
//! | `NAME_hessian(params) -> (R, G, Vec<F>)` | the value, the gradient and the dense Hessian, row-major over the active parameters' floats in order; one `NAME_hvp` per row |
//! | `NAME_jvp_trace(params, tangents) -> Trace` | with `trace` too: `NAME_jvp` recorded, each value beside its tangent (see [Traces](#traces)) |
//! | `NAME_jvp_vjp(params, tangents, seed: R, tangent_seed: R, bars, tangent_bars) -> R` | the reverse of `NAME_jvp`, what a caller's `NAME_hvp` calls: adds `seed · ∂y/∂x + tangent_seed · ∂ẏ/∂x` into each `&mut` bar and `tangent_seed · ∂y/∂x` into each tangent's; returns the value |
//!
//! Forward mode pushes tangents `v̇` beside the values: `v̇₃ = v̇₁·v₂ + v₁·v̇₂` for `v₃ = v₁·v₂`.
//! A primitive's tangent is its reverse rule with the tangent in place of the adjoint, so both
//! modes keep the same conventions at non-differentiable points (below), bit for bit. `NAME_hvp`
//! is the reverse mode of the tangent: one forward sweep computes `y` and `ẏ = ∇f·v`, one reverse
//! sweep from `ẏ` gives `∂ẏ/∂x = H·v` and `∂ẏ/∂v = ∇f` together.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad(jvp)]
//! fn f(x1: f64, x2: f64) -> (f64, f64) {
//!     (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
//! }
//!
//! // J·(2, −1) at (1, 0): (−1 + 2 cos 1, 3).
//! let ((y1, y2), (t1, t2)) = f_jvp(1.0, 0.0, 2.0, -1.0);
//! assert_eq!((y1, y2), f(1.0, 0.0));
//! assert!((t1 - (-1.0 + 2.0 * 1.0_f64.cos())).abs() < 1e-15);
//! assert_eq!(t2, 3.0);
//!
//! #[grad(hvp)]
//! fn rosen(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() - 1 {
//!         let a = x[i + 1] - x[i] * x[i];
//!         let b = 1.0 - x[i];
//!         s += 100.0 * a * a + b * b;
//!     }
//!     s
//! }
//!
//! let x = [1.0, 2.0];
//! let (value, grad, hv) = rosen_hvp(&x, &[1.0, 0.0]);
//! assert_eq!((value, grad), (100.0, vec![-400.0, 200.0]));
//! assert_eq!(hv, vec![402.0, -400.0]); // H's first column
//! let (_, _, h) = rosen_hessian(&x);
//! assert_eq!(h, vec![402.0, -400.0, -400.0, 200.0]);
//! ```
//!
//! - A call in a function with `jvp` calls the callee's `NAME_jvp`: put `#[grad(jvp)]` on the
//!   callee (a missing one is an error at the call that says so). The [`kernels`] have
//!   hand-written forward rules. A callee with `wrt(..)` takes the tangents of its `wrt`
//!   parameters only, through its hidden adapter, as for `NAME_vjp`.
//! - A call in a function with `hvp` also calls the callee's `NAME_jvp_vjp` in the reverse sweep:
//!   put `#[grad(hvp)]` on the callee, or write the rule by hand beside `NAME_jvp` (a missing
//!   one is an error at the call). Every one of the [`kernels`] has one, so a network of
//!   `matmul`, `add_bias`, `tanh` and `softmax_cross_entropy` has its Hessian-vector products.
//!   A generated `NAME_jvp_vjp` runs the callee's `NAME_hvp` once, which allocates its gradient
//!   for a slice parameter.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad(hvp)]
//! fn spring(a: f64, b: f64) -> f64 {
//!     (a - b) * (a - b)
//! }
//!
//! #[grad(hvp)]
//! fn chain(x: &[f64]) -> f64 {
//!     let mut e = 0.0;
//!     for i in 0..x.len() - 1 {
//!         e += spring(x[i], x[i + 1]);
//!     }
//!     e * e
//! }
//!
//! fn main() {
//!     // e = (x₀ − x₁)² = 1 at (1, 0); f = e², ∇f = 2e∇e = (4, −4), H = 2∇e∇eᵀ + 2e∇²e.
//!     let (_, g, h) = chain_hessian(&[1.0, 0.0]);
//!     assert_eq!(g, vec![4.0, -4.0]);
//!     assert_eq!(h, vec![12.0, -12.0, -12.0, 12.0]);
//! }
//! ```
//! - An empty tangent for a non-empty slice or `Vec` is a zero one (what a caller passes for an
//!   inactive argument, as an empty bar is an unwanted adjoint); any other length panics.
//! - [`detach`] gives a zero tangent, and is a constant to second order too: the Hessian of
//!   `x * (x - detach(x))` is 2, as JAX's `stop_gradient` has it (its gradient `2x − detach(x)`
//!   evaluates to `x`, so differences of `NAME_grad` would say 1).
//! - Kinks, steps and ties (`abs`, `max`, `min`, `clamp`, `relu`, `floor`, …) have no curvature:
//!   their slopes enter `H·v` through the other operations, never their second derivative.
//! - `NAME_jacobian` of a vector result with `jvp` takes the cheaper mode: `n` forward sweeps
//!   (one column each) when the active floats `n` are at most the result's `m` (decided at run
//!   time for slices), `m` reverse sweeps (one row each) otherwise; both give the same `J`.
//!
//! # Supported syntax
//!
//! The body of a `#[grad]` function is ordinary Rust: `let` bindings (with types, shadowing,
//! `let mut` and `+= -= *= /= %=`), `let (a, b) = (x, y)`, arithmetic, comparisons, `&&`, `||`,
//! `!`, casts between float widths and to and from integers, `if`/`else` and `match` on integers
//! and booleans (as statements and as values), `match` and `if let` on enums and `Option`s that
//! are not differentiated (below), `for` over integer ranges (`a..b`, `a..=b`,
//! `.rev()`, `.step_by(k)`) and over `xs.iter()` / `xs.iter().enumerate()`, `while`, `loop`,
//! `break;`, `continue;`, `return value;` anywhere; float arrays and slices as parameters, local
//! buffers (`[0.0; N]`, `vec![0.0; n]`, `[a, b]`, `vec![a, b]`) read and written by index,
//! `a.len()`; iterator chains (below); the float methods `sin cos tan
//! asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp exp2 exp_m1 ln ln_1p log log2
//! log10 sqrt cbrt powi powf hypot abs recip mul_add max min clamp signum floor ceil round trunc
//! to_radians to_degrees` (also spelled `f64::sin(x)`); [`relu`], [`sigmoid`] and [`detach`]
//! (called as `autodiff::relu(x)`); `assert!`, `assert_eq!`, `assert_ne!` and their `debug_`
//! forms; `const` items and `use` inside the body; calls of other `#[grad]` functions, of
//! functions with a hand-written rule and of the [`kernels`], with whole arrays or parts
//! `&x[lo..hi]` as arguments; and any call whose arguments are all inactive.
//!
//! Anything else is a compile error that points at the construct and says what to write
//! instead; all the errors of a function are reported in one compile. The README has the full
//! table, construct by construct.
//!
//! ## Iterator chains and closures
//!
//! A chain over arrays, slices, ranges and integer slices passed in, of `iter()`,
//! `iter_mut()` (on a buffer: `*v = ..`), `windows(k)`, `chunks(k)`, `chunks_exact(k)`,
//! `copied()`, `cloned()`, `zip`, `map`, `filter`, `enumerate`, `rev`, `skip`, `take` and
//! `step_by`, ended by `sum`, `product`, `fold`, `for_each`, `count`, `max_by(..).unwrap()`,
//! `min_by(..).unwrap()`, `reduce(..).unwrap()`, `let v: Vec<f64> = ..collect();` or a `for`
//! loop (`for (a, b) in x.iter().zip(y)`, `for v in xs`, `for row in m` over the rows of a
//! `&[Vec<f64>]`), is differentiated as the index loop it stands for, at the same cost: a
//! window, a chunk, a row or `&x[a..b]` is a view that indexes the array itself. The closures
//! a chain takes may read anything in scope, and `for_each`'s may assign to it. A closure
//! bound with `let` is differentiated where it is called, with what its names stood for where
//! it was made. Tuples bound in the body are their elements: `let p = (a, b); p.0`,
//! `let (a, b) = p;`, `(a, b) = (b, a + b)`, and `let [a, b, c] = q;` destructures an array
//! (or an array literal).
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn rosenbrock(x: &[f64]) -> f64 {
//!     x.iter()
//!         .zip(x.iter().skip(1))
//!         .map(|(&a, &b)| 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2))
//!         .sum()
//! }
//!
//! /// One RK4 step of `y' = -t y`.
//! #[grad]
//! fn rk4(y: f64, t: f64, h: f64) -> f64 {
//!     let f = |t: f64, y: f64| -y * t;
//!     let k1 = f(t, y);
//!     let k2 = f(t + h / 2.0, y + h * k1 / 2.0);
//!     let k3 = f(t + h / 2.0, y + h * k2 / 2.0);
//!     let k4 = f(t + h, y + h * k3);
//!     y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
//! }
//!
//! # fn main() {
//! let (value, g) = rosenbrock_grad(&[1.0, 1.0, 1.0]);
//! assert_eq!((value, g), (0.0, vec![0.0; 3]));
//! let (_, (dy, _, _)) = rk4_grad(1.0, 0.0, 0.1);
//! assert!((dy - rk4(1.0, 0.0, 0.1)).abs() < 1e-15); // linear in y
//! # }
//! ```
//!
//! After a `filter`, the adaptors that count positions count the items that pass:
//! `x.iter().filter(|v| **v > 0.0).enumerate()` numbers the positive ones, `.zip(y)` pairs
//! them with `y` in order, and `skip`, `take` and `step_by` pick among them. A `rev` there
//! comes before any of those, a chain zipped with another has no `filter` of its own, and a
//! closure bound with `let` is called, not stored or passed on, and assigns to nothing it
//! captures: each is a compile error saying so.
//!
//! ## Tuples and whole arrays
//!
//! A tuple parameter, `target: (f64, f64)`, is its floats: its gradient entry, its `_vjp` bar
//! (`&mut (f64, f64)`), its tangent and its direction have its type, and integers or `bool`s
//! beside the floats are copied into the entry. An `if` or a `match` may give a tuple. A call
//! of a function with several results is destructured, `let (x, y) = polar(r, t);`: its
//! `_vjp` takes their adjoints as a tuple. Arrays are copied (`let mut p = p;`, `a.clone()`,
//! `x.to_vec()`, `b = a.clone()`, `b.copy_from_slice(&a)`), swapped (`a.swap(i, j)`,
//! `std::mem::swap(&mut a, &mut b)`), written as nested literals, made inside loops, passed
//! as literals (`weigh([x, y, z])`), and returned by calls (`let r = rotate(&q, v); r[0]`, or
//! `rotate(&q, v)[0]`). An array a differentiated call reads may be written after it: the
//! forward sweep keeps a copy for the call's reverse.
//!
//! ```
//! use autodiff::grad;
//!
//! /// Explicit heat diffusion on a double buffer, then the pull towards `target`.
//! #[grad]
//! fn heat(u0: &[f64], k: f64, target: (f64, f64)) -> f64 {
//!     let n = u0.len();
//!     let mut u = u0.to_vec();
//!     let mut next = u.clone();
//!     for _ in 0..10 {
//!         for i in 1..n - 1 {
//!             next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
//!         }
//!         std::mem::swap(&mut u, &mut next);
//!     }
//!     let (lo, hi) = if u[0] < u[n - 1] { (u[0], u[n - 1]) } else { (u[n - 1], u[0]) };
//!     (lo - target.0).powi(2) + (hi - target.1).powi(2)
//! }
//!
//! # fn main() {
//! let (_, (du0, dk, (dlo, dhi))) = heat_grad(&[0.0, 1.0, 0.5, 2.0], 0.2, (0.0, 1.0));
//! assert_eq!(du0.len(), 4);
//! // The ends never change: lo = 0 and hi = 2 are the inputs' ends, whatever `k` is.
//! assert_eq!((dlo, dhi, dk), (0.0, -2.0, 0.0));
//! # }
//! ```
//!
//! Inactive data and control: `match` on an enum and `if let Some(s) = scale` over data that
//! is not differentiated (passed in, or made in the body: `let w = if c { Some(t) } else {
//! None };`), with guards, each arm differentiated as a branch; a float's predicates (`x.is_finite()`, `is_nan`,
//! `is_sign_negative`, ...) are conditions; the integer operators `& | ^ << >>` and `!`;
//! indexing with the elements of an integer slice (`logits[labels[n]]`); explicit lifetimes
//! and a `where` clause on a function without type parameters.
//!
//! # Activity and `wrt`
//!
//! A parameter is *active* (differentiated) if its type is a float, `f64` or `f32`, or an
//! array, slice or `Vec` of floats, nested at will. `#[grad(wrt(a, b))]` names the active
//! parameters explicitly: the others get no gradient entry and no bar, and are passed through
//! like integers. Integers, `bool`, `usize` and every other type are always inactive; naming
//! one in `wrt` is a compile error, and so is a function with no float parameter at all.
//!
//! Inside the body, a value is active if it depends on an active parameter through
//! arithmetic and the result depends on it. Everything else (constants, integers and loop
//! counters, values computed only from inactive parameters, comparisons and indices, and
//! whatever never reaches the result) gets no adjoint code at all: no zero
//! adjoint is computed, stored or added. An inactive data slice costs nothing in the reverse
//! sweep, and a kernel told that an argument's adjoint is not wanted skips computing it.
//!
//! ```
//! use autodiff::grad;
//!
//! // Only `w` is differentiated; `x` and `y` are data, `n` a count.
//! #[grad(wrt(w))]
//! fn loss(w: &[f64], x: &[f64], y: &[f64], n: usize) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..n {
//!         let e = w[0] * x[i] + w[1] - y[i];
//!         s += e * e;
//!     }
//!     s / n as f64
//! }
//!
//! let (x, y) = ([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]);
//! // A single active parameter: the gradient is its entry itself, a Vec<f64>.
//! let (l, g) = loss_grad(&[2.0, 1.0], &x, &y, 3);
//! assert_eq!((l, g), (0.0, vec![0.0, 0.0]));
//! let (l, g) = loss_grad(&[1.0, 1.0], &x, &y, 3);
//! assert_eq!(l, 5.0 / 3.0);
//! // ∂/∂w0 = (2/n) Σ eᵢ xᵢ = (2/3)(−1 − 4), ∂/∂w1 = (2/3)(−3)
//! assert!((g[0] + 10.0 / 3.0).abs() < 1e-15 && (g[1] + 2.0).abs() < 1e-15);
//! ```
//!
//! # Calls between `#[grad]` functions
//!
//! A `#[grad]` function may call another one, by name or by path (`model::layer(&w, x)`), in
//! loops, in branches and recursively. The forward sweep calls the callee itself; the reverse
//! sweep calls its `NAME_vjp` with the adjoint of the call's result as the seed, which
//! recomputes the callee's forward sweep and adds into the caller's adjoints. Floats and arrays
//! are passed, integers pass through; the bar of an inactive argument is discarded (for an
//! array it is empty: "not wanted").
//!
//! A called function with `wrt(..)` works too: arguments for the parameters it leaves out must be
//! inactive in the caller (data, constants, integers), and an active one there is a compile error
//! at the call that names the parameter, since its derivative would be lost. A call whose
//! arguments are all inactive needs nothing: `n.pow(2)`, `f64::from(k)` or a plain
//! `fn scale(n: usize) -> f64` are just called.
//! A call with an active argument to a function without `NAME_vjp` fails to compile at the
//! callee's name: "`NAME` has no derivative rule: cannot find `NAME_vjp`", with notes on how to
//! provide one (put `#[grad]` on the callee, or write its rule). The rule is found the way the
//! call is: by the callee's path, through the module's items and imports (globs included) and
//! the function body's `use`s. A bare-name rule must live in a module, not inside a function
//! body (such as `main`), where the generated code does not look. The caller passes a bar for
//! each argument it knows to be a float; an argument whose type it cannot see (a constant of the
//! module, a call's result) gets none, after a compile-time check that it is not a float: if it
//! is, the error at the argument says to bind it with its type first, `let dt: f64 = DT;`.
//!
//! ```
//! use autodiff::grad;
//!
//! mod model {
//!     use autodiff::grad;
//!
//!     #[grad]
//!     pub fn neuron(w: &[f64], x: &[f64]) -> f64 {
//!         let mut s = 0.0;
//!         for i in 0..w.len() {
//!             s += w[i] * x[i];
//!         }
//!         s.tanh()
//!     }
//! }
//!
//! fn width(n: usize) -> f64 {
//!     n as f64
//! }
//!
//! #[grad(wrt(w))]
//! fn score(w: &[f64], x: &[f64]) -> f64 {
//!     let h = model::neuron(w, x); // reverse: model::neuron_vjp, with an empty bar for x
//!     h * h / width(x.len()) // all arguments inactive: no rule needed
//! }
//!
//! let (w, x) = ([0.5, -0.25], [1.0, 2.0]);
//! let (s, g) = score_grad(&w, &x);
//! assert_eq!(s, 0.0); // w·x = 0
//! assert_eq!(g, vec![0.0, 0.0]);
//! let (_, g) = score_grad(&[0.5, 0.0], &x);
//! let t = 0.5_f64.tanh();
//! // ∂/∂wᵢ = 2 t (1 − t²) xᵢ / 2
//! assert!((g[0] - t * (1.0 - t * t)).abs() < 1e-15);
//! assert!((g[1] - 2.0 * t * (1.0 - t * t)).abs() < 1e-15);
//! ```
//!
//! # Checkpointing long loops
//!
//! The reverse sweep of a loop keeps what each iteration's reverse needs on a tape, which grows
//! with the trip count: 8 bytes a step for `h = (a * h + b).tanh()`, 80 MB for 10⁷ steps.
//! `#[checkpoint(..)]` on a loop (`for`, `while` or `loop`, anywhere in the body) trades that
//! memory for recomputation; the gradient is bit for bit the same.
//!
//! - `#[checkpoint(every = K)]`: the forward sweep keeps the loop's state at the start of
//!   iterations 0, K, 2K, …; the reverse sweep restores each, last first, runs its segment of
//!   K iterations again recording them, and reverses it. Memory: ⌈T / K⌉ states and the tape of
//!   K iterations; time: one more forward run of the loop. `K = ⌈√T⌉` balances the two.
//! - `#[checkpoint(snapshots = S)]`: at most S states, placed by Griewank's binomial schedule
//!   (revolve), which runs the fewest iterations again that S states allow: each at most r + 1
//!   times, for the least r with C(S + r, S) ≥ T. Where the loop's range tells its trip count
//!   at the start, the forward sweep places the schedule's first states as it goes. A `while`
//!   or `loop`, or a `for` loop that leaves early (`break`, `return`), is scheduled online: the
//!   forward sweep keeps only its first state and counts its iterations, and the reverse sweep,
//!   knowing T, runs the whole schedule from there (one forward run more).
//! - The state kept is every local declared before the loop that it reads or writes (floats,
//!   counters, flags) and every buffer it reads or writes that something writes: copying a
//!   buffer costs O(len) per kept state.
//! - `K` and `S` are `usize` expressions evaluated before the loop; 0 counts as 1.
//! - The loop may `break`, `continue` and `return`, nest loops (checkpointed ones too) and call
//!   other `#[grad]` functions, and it may sit inside other loops and branches: each run of it
//!   keeps its own states, and the reverse sweep takes the runs last first. The companions of
//!   forward mode and second order (`jvp`, `hvp`) take it too.
//! - On anything but a loop, and with a bad key or `every = 0`, it is a compile error.
//!
//! A call to another `#[grad]` function is checkpointed already (Tapenade's default): the
//! forward sweep keeps nothing of the callee, and its `NAME_vjp` runs its forward again in the
//! reverse sweep.
//!
//! `benches/checkpoint.rs` measures the recurrence at T = 10⁷: the taped gradient peaks at
//! 76 MiB of heap; `every = 3163` at 0.3 MiB and 1.8× its time; `snapshots = 32` at 3 KiB and
//! 7.1× (r = 7 there). `#[grad(trace)]` notes each recomputed segment in the reverse table.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad(wrt(a, b, h0))]
//! fn rnn(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
//!     let mut h = h0;
//!     #[checkpoint(snapshots = 8)]
//!     for _ in 0..steps {
//!         h = (a * h + b).tanh();
//!     }
//!     h
//! }
//!
//! #[grad(wrt(a, b, h0))]
//! fn rnn_taped(a: f64, b: f64, h0: f64, steps: usize) -> f64 {
//!     let mut h = h0;
//!     for _ in 0..steps {
//!         h = (a * h + b).tanh();
//!     }
//!     h
//! }
//!
//! assert_eq!(rnn_grad(0.9, 0.1, 0.3, 10_000), rnn_taped_grad(0.9, 0.1, 0.3, 10_000));
//! ```
//!
//! # Custom rules: writing `NAME_vjp` by hand
//!
//! A function the macro cannot see into (one with iterator chains, a call into another crate,
//! a closed form that is cheaper or more stable than the mechanical derivative) plugs in by
//! providing the same `NAME_vjp` a `#[grad]` function would have. For `fn NAME(params) -> R`:
//!
//! - the rule takes `NAME`'s parameters, then the `seed`, then one `&mut` bar per float or
//!   float-array parameter, in order, typed as in [the contract](#the-contract) (`&mut f64`,
//!   `&mut [f64; N]`, `&mut [f64]`; integers get none);
//! - if `R` is a float, `seed: R` and the rule returns `NAME`'s value, which it computes;
//! - if `R` is `Vec<f64>`, the seed is `ȳ: &[f64]` with the result's length and the rule
//!   returns `()`;
//! - the rule adds `seed · ∂NAME/∂param` (for a `Vec` result, `ȳᵀ J`) into each bar: it
//!   accumulates, never overwrites;
//! - an empty bar for a non-empty slice means the caller does not want that adjoint (a `#[grad]`
//!   caller passes one for an inactive array): skip it, and do not index into it.
//!
//! `#[autodiff::vjp_rule(for = NAME)]` on the rule checks all of this at compile time: the
//! rule's name, one bar per float parameter with the right type, the seed and return types, and
//! that `NAME`'s signature is the rule's parameters; a mistake is reported at the rule, not at
//! every caller.
//!
//! A `#[grad]` function cannot see a callee's return type, so bind a `Vec` result with its
//! type, `let c: Vec<f64> = cumsum(x);`; it is then an array like a local buffer.
//!
//! ```
//! use autodiff::{grad, vjp_rule};
//!
//! /// softplus(x) = ln(1 + eˣ), stable for any x; its derivative is the sigmoid.
//! fn softplus(x: f64) -> f64 {
//!     x.max(0.0) + (-x.abs()).exp().ln_1p()
//! }
//!
//! #[vjp_rule(for = softplus)]
//! fn softplus_vjp(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
//!     *x_bar += seed * autodiff::sigmoid(x);
//!     softplus(x)
//! }
//!
//! /// Weighted running sums, yᵢ = Σ_{j ≤ i} wⱼ xⱼ.
//! fn weighted_cumsum(w: &[f64], x: &[f64]) -> Vec<f64> {
//!     let mut s = 0.0;
//!     w.iter().zip(x).map(|(wj, xj)| { s += wj * xj; s }).collect()
//! }
//!
//! /// w̄ⱼ += xⱼ Σ_{i ≥ j} ȳᵢ and x̄ⱼ += wⱼ Σ_{i ≥ j} ȳᵢ.
//! #[vjp_rule(for = weighted_cumsum)]
//! fn weighted_cumsum_vjp(w: &[f64], x: &[f64], seed: &[f64], w_bar: &mut [f64], x_bar: &mut [f64]) {
//!     let mut tail = 0.0;
//!     for j in (0..w.len()).rev() {
//!         tail += seed[j];
//!         if !w_bar.is_empty() {
//!             w_bar[j] += x[j] * tail;
//!         }
//!         if !x_bar.is_empty() {
//!             x_bar[j] += w[j] * tail;
//!         }
//!     }
//! }
//!
//! #[grad(wrt(w))]
//! fn objective(w: &[f64], x: &[f64]) -> f64 {
//!     let c: Vec<f64> = weighted_cumsum(w, x); // reverse: x's bar is empty
//!     let mut s = 0.0;
//!     for i in 0..c.len() {
//!         s += softplus(c[i]);
//!     }
//!     s
//! }
//!
//! # fn main() {
//! let (w, x) = ([0.5, -1.0, 2.0], [1.0, 2.0, 0.25]);
//! let (value, g) = objective_grad(&w, &x);
//! let c = weighted_cumsum(&w, &x);
//! assert_eq!(value, c.iter().map(|&ci| softplus(ci)).sum::<f64>());
//! // ∂/∂wⱼ = xⱼ Σ_{i ≥ j} σ(cᵢ)
//! let s: Vec<f64> = c.iter().map(|&ci| autodiff::sigmoid(ci)).collect();
//! assert!((g[2] - x[2] * s[2]).abs() < 1e-15);
//! assert!((g[0] - x[0] * (s[0] + s[1] + s[2])).abs() < 1e-15);
//!
//! // The rule on its own: the adjoint of `x` is not wanted.
//! let mut w_bar = [0.0; 3];
//! weighted_cumsum_vjp(&w, &x, &[1.0, 0.0, 0.0], &mut w_bar, &mut []);
//! assert_eq!(w_bar, [1.0, 0.0, 0.0]);
//! # }
//! ```
//!
//! A caller with `#[grad(jvp)]` calls `NAME_jvp(<NAME's parameters>, <one tangent per float or
//! float-array parameter, of its type>) -> (value, tangent)`; [`jvp_rule`] checks that shape
//! (an empty tangent of a slice is a zero one). Such a caller has a gradient too, so it needs
//! both rules.
//!
//! ```
//! use autodiff::{grad, jvp_rule, vjp_rule};
//!
//! fn soft_abs(x: f64) -> f64 {
//!     (x * x + 1e-3).sqrt()
//! }
//!
//! #[vjp_rule(for = soft_abs)]
//! fn soft_abs_vjp(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
//!     let y = soft_abs(x);
//!     *x_bar += seed * x / y;
//!     y
//! }
//!
//! #[jvp_rule(for = soft_abs)]
//! fn soft_abs_jvp(x: f64, x_dot: f64) -> (f64, f64) {
//!     let y = soft_abs(x);
//!     (y, x_dot * x / y)
//! }
//!
//! #[grad(jvp)]
//! fn spread(a: f64, b: f64) -> f64 {
//!     soft_abs(a - b) * 2.0
//! }
//!
//! # fn main() {
//! let (value, tangent) = spread_jvp(1.0, 3.0, 1.0, 0.0);
//! assert_eq!(value, spread(1.0, 3.0));
//! assert_eq!(tangent, spread_grad(1.0, 3.0).1 .0);
//! # }
//! ```
//!
//! # Dense kernels
//!
//! [`kernels`] holds dense `f64` building blocks on row-major slices, each with its hand-written
//! rule: [`dot`](kernels::dot), [`matvec`](kernels::matvec), [`matmul`](kernels::matmul) (a
//! GEMM forward, two backward), [`add_bias`](kernels::add_bias), the elementwise
//! [`relu`](kernels::relu), [`sigmoid`](kernels::sigmoid) and [`tanh`](kernels::tanh), the
//! row-wise [`softmax`](kernels::softmax) and [`logsumexp`](kernels::logsumexp), and the losses
//! [`softmax_cross_entropy`](kernels::softmax_cross_entropy) (fused and stable, `z̄ = (P −
//! T)/B`) and [`mse`](kernels::mse). A `#[grad]` function calls them like any other function;
//! in the reverse sweep one GEMM replaces thousands of scalar adjoint updates.
//!
//! - Call a kernel by path, `kernels::matmul(..)` or `k::matmul(..)` after `use
//!   autodiff::kernels as k;`: the reverse sweep calls `kernels::matmul_vjp` by the same path.
//!   If you import a kernel by name, import its rule too: `use autodiff::kernels::{matmul,
//!   matmul_vjp};`.
//! - The kernels that return a `Vec` (`matvec`, `matmul`, `add_bias`, `relu`, `sigmoid`,
//!   `tanh`, `softmax`, `logsumexp`), called with an array argument, make an array without a
//!   type annotation, so they nest: `k::relu(&k::add_bias(&k::matmul(..), b))`. Other functions
//!   returning a `Vec` need `let h: Vec<f64> = f(..);`.
//! - Pass part of an array as `&params[lo..hi]` (end exclusive; either bound may be left out):
//!   the reverse sweep passes the same part of the adjoint. One flat parameter slice can so hold
//!   a whole network.
//! - The data's adjoint is not computed: an inactive argument gets an empty bar, and
//!   `matmul_vjp` then does one GEMM, not two.
//!
//! ```
//! use autodiff::check::{gradcheck, Tolerance};
//! use autodiff::{grad, kernels};
//!
//! // params = [W (2×3, row-major) | b (3) | v (3)]; x is a batch of rows of 2 inputs.
//! #[grad(wrt(params))]
//! fn mlp_loss(params: &[f64], x: &[f64], y: &[f64]) -> f64 {
//!     let batch = y.len();
//!     let h = kernels::relu(&kernels::add_bias(
//!         &kernels::matmul(x, &params[0..6], batch, 2, 3),
//!         &params[6..9],
//!     ));
//!     let out = kernels::matmul(&h, &params[9..12], batch, 3, 1);
//!     kernels::mse(&out, y)
//! }
//!
//! let params = [0.5, -0.3, 0.8, 0.2, 0.7, -0.6, 0.1, 0.05, -0.2, 1.0, -0.5, 0.3];
//! let x = [1.0, 2.0, -1.0, 0.5, 0.3, -0.8];
//! let y = [0.5, -0.2, 0.1];
//! let (loss, g) = mlp_loss_grad(&params, &x, &y);
//! assert_eq!(loss, mlp_loss(&params, &x, &y));
//! assert_eq!(g.len(), 12);
//! gradcheck(|p: &[f64]| mlp_loss(p, &x, &y), &params, &g, &Tolerance::default()).unwrap();
//! ```
//!
//! `cargo run --example train_mlp` trains a three-layer network written this way;
//! `cargo bench --bench mlp` times such a gradient against a hand-written one.
//!
//! # Stop-gradient: `detach`
//!
//! [`detach`]`(x)` returns `x`, but `#[grad]` treats the result as a constant: no derivative
//! flows back through it. Use it for a value that only stabilises or scales a computation, such
//! as the row maximum subtracted before `exp`.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn f(x: f64) -> f64 {
//!     x * autodiff::detach(x)
//! }
//!
//! assert_eq!(f_grad(3.0), (9.0, 3.0)); // x, not 2x
//! ```
//!
//! # Traces
//!
//! `#[grad(trace)]` (or `#[grad(trace, wrt(a))]`) also generates `NAME_trace(params) ->`
//! [`Trace`]: one evaluation with every value recorded (the Wengert list, with the branches and
//! loop iterations taken), then every adjoint update in the order the reverse sweep applied it,
//! and the value and gradient, equal to `NAME_grad`'s. `Display` prints the tables in 80
//! columns; [`Trace::steps`] and [`Trace::updates`] give the rows; [`Trace::to_dot`] draws the
//! computation for Graphviz. Long tables keep their first 48 and last 16 rows. A trace runs the
//! function twice and formats strings: it is for learning and debugging, not for hot loops.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad(trace)]
//! fn f(x1: f64, x2: f64) -> f64 {
//!     let t = x1 - x2;
//!     t * t + (x1 + x2).cos()
//! }
//!
//! let trace = f_trace(1.0, 2.0);
//! println!("{trace}");
//! let (value, (d1, d2)) = f_grad(1.0, 2.0);
//! assert_eq!(trace.value(), value);
//! assert_eq!(trace.gradient(), &[("x1".to_owned(), d1), ("x2".to_owned(), d2)]);
//! // `t` (v2) is used twice, so its adjoint receives two contributions.
//! let into_t = trace.updates().filter(|u| u.target == "v\u{304}2").count();
//! assert_eq!(into_t, 2);
//! ```
//!
//! prints
//!
//! ```text
//! f: forward sweep (the Wengert list)
//!   name     source     operation                                         value
//!   x1                  input                                                 1
//!   x2                  input                                                 2
//!   v2       t          x1 - x2                                              -1
//!   v3                  v2 * v2                                               1
//!   v4                  x1 + x2                                               3
//!   v5                  cos(v4)                                       -0.989992
//!   v6                  v3 + v5                                        0.010008
//! reverse sweep (adjoints, in the order applied)
//!   v̄6 += seed                                                  =             1
//!   v̄3 += v̄6 · 1                                               =             1
//!   v̄5 += v̄6 · 1                                               =             1
//!   v̄4 += v̄5 · -sin(v4)                                        =      -0.14112
//!   x̄1 += v̄4 · 1                                               =      -0.14112
//!   x̄2 += v̄4 · 1                                               =      -0.14112
//!   v̄2 += v̄3 · v2                                              =            -1
//!   v̄2 += v̄3 · v2                                              =            -1
//!   x̄1 += v̄2 · 1                                               =            -2
//!   x̄2 += v̄2 · -1                                              =             2
//! value 0.010008
//! gradient
//!   ∂/∂x1                   =      -2.14112
//!   ∂/∂x2                   =       1.85888
//! ```
//!
//! With `jvp` too, `#[grad(trace, jvp)]` also generates `NAME_jvp_trace(params, tangents) ->`
//! [`Trace`]: forward mode's table, each value beside its tangent as the chain rule writes it,
//! and the result's value and tangent, equal to `NAME_jvp`'s ([`Trace::results`]). It traces a
//! vector result too (`NAME_trace` needs one float result, so a vector result with `trace` and
//! `jvp` gets `NAME_jvp_trace` only).
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad(trace, jvp)]
//! fn f(x1: f64, x2: f64) -> (f64, f64) {
//!     (x1 * x2 + x1.sin(), x2.exp() + x1 * x1)
//! }
//!
//! let trace = f_jvp_trace(1.0, 0.0, 2.0, -1.0);
//! println!("{trace}");
//! let ((y1, y2), (t1, t2)) = f_jvp(1.0, 0.0, 2.0, -1.0);
//! assert_eq!(trace.results(), &[(y1, t1), (y2, t2)]);
//! let product = trace.steps().find(|s| s.op == "x1 * x2").unwrap();
//! assert_eq!(product.tangent, Some(("x\u{307}1 · x2 + x\u{307}2 · x1".to_owned(), -1.0)));
//! ```
//!
//! prints
//!
//! ```text
//! f: forward mode (each value beside its tangent, in one sweep)
//!   name   operation                value │ tangent                          value
//!   x1     input                        1 │ given                                2
//!   x2     input                        0 │ given                               -1
//!   v2     x1 * x2                      0 │ ẋ1 · x2 + ẋ2 · x1                   -1
//!   v3     sin(x1)               0.841471 │ ẋ1 · cos(x1)                  1.080605
//!   v4     v2 + v3               0.841471 │ v̇2 + v̇3                       0.080605
//!   v5     exp(x2)                      1 │ ẋ2 · v5                             -1
//!   v6     x1 * x1                      1 │ ẋ1 · x1 + ẋ1 · x1                    4
//!   v7     v5 + v6                      2 │ v̇5 + v̇6                              3
//! y1            0.841471   ẏ1            0.080605
//! y2                   2   ẏ2                   3
//! ```
//!
//! # Conventions at non-differentiable points
//!
//! | primitive | derivative |
//! | --- | --- |
//! | [`relu`]`(x)` at 0 | 0 |
//! | `x.abs()` | `x.signum()`: +1 at +0.0, −1 at −0.0 |
//! | `a.max(b)`, `a.min(b)` at a tie | ½ to each, so `x.max(x)` has derivative 1 |
//! | `x.clamp(lo, hi)` | as `x.max(lo).min(hi)`: on a bound, ½ to `x` and ½ to the bound |
//! | `x.powf(p)` | `∂/∂p` is 0 where `x = 0`; to second order too, every `ln x` term is dropped there |
//! | `x.sqrt()` at 0 | `+∞` |
//! | `floor ceil round trunc signum` | 0 everywhere |
//! | `atan2`, `hypot` at the origin | 0 |
//! | any rule with an infinite partial (`sqrt`, `ln`, `powf` at 0, …) | contributes exactly 0 when its incoming adjoint is 0, never NaN |
//! | a branch, `if a > b` | the derivative of the path taken; a loop, of the iterations that ran |
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn r(x: f64) -> f64 { autodiff::relu(x) }
//! #[grad]
//! fn tie(a: f64, b: f64) -> f64 { a.max(b) }
//! #[grad]
//! fn root(x: f64) -> f64 { x.sqrt() }
//! #[grad]
//! fn unused_root(x: f64) -> f64 { 0.0 * x.sqrt() + x }
//! #[grad]
//! fn steps(x: f64) -> f64 { x.floor() + x.round() + x.signum() }
//!
//! assert_eq!(r_grad(0.0).1, 0.0);
//! assert_eq!(tie_grad(1.0, 1.0).1, (0.5, 0.5));
//! assert_eq!(root_grad(0.0).1, f64::INFINITY);
//! assert_eq!(unused_root_grad(0.0).1, 1.0); // not NaN
//! assert_eq!(steps_grad(0.7).1, 0.0);
//! ```
//!
//! # Reading `cargo expand`
//!
//! The generated code is meant to be read. `cargo expand` (from the `cargo-expand` tool) on a
//! module with a `#[grad]` function shows, after the untouched original:
//!
//! - a hidden `__ad_NAME(params, seed, fresh, array bars) -> (value, scalar gradients)`: the forward
//!   sweep (the function's own statements, plus pushes onto tapes), then the reverse sweep
//!   (the statements in reverse order, each with its rule: the arithmetic written out for a
//!   smooth primitive, `ȳ · cos x` for `sin`, a call into `::autodiff::__private::rules` for a
//!   kink or a step;
//!   a call to a function calls its `NAME_vjp` through a block that declares a stand-in
//!   `NAME_vjp`, found only if no real one is in scope, whose use is the "no derivative rule"
//!   error);
//! - `NAME_grad` and `NAME_vjp` (or `NAME_jacobian`), thin wrappers: `NAME_grad` calls the core
//!   with seed 1 and zeroed array gradients (`fresh`: a loop that adds into each entry once may
//!   store it instead), `NAME_vjp` with the caller's seed and bars and adds the scalar gradients
//!   into the scalar bars;
//! - `const _: fn(..) -> R = NAME;`, which marks the original as used.
//!
//! In the core function, a pure value used once is spelled inside the expression that uses it
//! (loads, calls and anything that may panic keep their own statement, in order), and the names
//! of its top level are declared once, up front and typed, then assigned where they were: one
//! `let` per value would open one scope per value, which rustc's checks of a long function
//! walk recursively. Float literals carry the width the function gives them (`0f64`). The core
//! function is `#[inline]` where debug assertions are off: a small one is inlined into both
//! wrappers, where `fresh` folds away; a long one is compiled once.
//!
//! Locals are `__ad_`-prefixed, so they never collide with yours, and named after the source
//! variable they hold where there is one: `__ad_h_l0` is the mutable `h`, `__ad_a_bar_l1` the
//! adjoint of `a`, `__ad_v7` an unnamed intermediate; `__ad_tape0`, `__ad_tape1`, … are the
//! tapes, local `Vec`s of the values the reverse sweep needs but the forward sweep overwrote.
//! For `h ← tanh(a·h)` run `steps` times (attributes left out, comments added):
//!
//! ```text
//! fn __ad_core_rnn(a: f64, h0: f64, steps: usize, seed: f64, __ad_fresh: bool) -> (f64, (f64, f64)) {
//!     let mut __ad_tape0 = ::std::vec::Vec::new();
//!     let (                                             // the top level's names, declared once
//!         mut __ad_a_bar_l1, __ad_seed_11, mut __ad_h_bar_l2, mut __ad_h_l0,
//!         __ad_v8, __ad_h_bar_17, __ad_a_bar_18,
//!     ): (f64, f64, f64, f64, f64, f64, f64);
//!     __ad_a_bar_l1 = 0f64;
//!     __ad_seed_11 = seed;
//!     __ad_h_bar_l2 = __ad_seed_11;
//!     __ad_h_l0 = h0;
//!     __ad_tape0.reserve(::core::iter::Iterator::size_hint(&(0..steps)).0);
//!     for __ad_v4 in (0..steps) {                       // forward sweep
//!         let __ad_v5 = __ad_h_l0;
//!         __ad_tape0.push(__ad_v5);                     // h is overwritten: record it
//!         let __ad_v7 = (a * __ad_v5).tanh();           // a·h, used once, spelled in place
//!         __ad_h_l0 = __ad_v7;
//!     }
//!     __ad_v8 = __ad_h_l0;
//!     for __ad_v4 in (0..steps).rev() {                 // reverse sweep
//!         let __ad_v5 = ::autodiff::__private::pop(&mut __ad_tape0);
//!         let __ad_v7 = __ad_h_l0;
//!         __ad_h_l0 = __ad_v5;
//!         let __ad_h_bar_12 = __ad_h_bar_l2;
//!         let __ad_v14 = __ad_h_bar_12 * (1f64 - __ad_v7 * __ad_v7); // tanh's rule, written out
//!         let (__ad_a_bar_15, __ad_v16) = (__ad_v14 * __ad_v5, __ad_v14 * a); // and mul's
//!         __ad_a_bar_l1 += __ad_a_bar_15;
//!         __ad_h_bar_l2 = __ad_v16;                     // h's adjoint, from this step alone
//!     }
//!     __ad_h_bar_17 = __ad_h_bar_l2;
//!     __ad_a_bar_18 = __ad_a_bar_l1;
//!     (__ad_v8, (__ad_a_bar_18, __ad_h_bar_17))
//! }
//!
//! fn rnn_grad(a: f64, h0: f64, steps: usize) -> (f64, (f64, f64)) {
//!     let (__ad_value, (__ad_a_bar, __ad_h0_bar)) = __ad_core_rnn(a, h0, steps, 1f64, true);
//!     (__ad_value, (__ad_a_bar, __ad_h0_bar))
//! }
//! ```
//!
//! A loop whose only loop-carried state is accumulators (`s += term`) is *fused* instead: each
//! iteration runs its reverse right after its forward, and nothing is taped. A reverse loop that
//! indexes `w[b + j]` indexes a part `&w[b + lo..b + hi]` taken before it (`__ad_w_row_a5`).
//! If that loop also adds into one adjoint in every iteration (`x̄ += ȳ[j]·w[j]`, for a value
//! `x` the row loop reads each time round), it runs in chunks of eight iterations, each adding
//! into its own lane (`__ad_x_bar_lanes_a9[l]`), and the lanes are summed after the loop: eight
//! independent additions that vectorise, where one running sum waits for each addition before
//! the next. The iterations run in their original order; only that sum is added in another
//! order, so it can differ from a strict left-to-right sum in the last bits, as any
//! reassociated sum does.
//!
//! # Checking gradients
//!
//! [`check::gradcheck`] compares a gradient with central finite differences under explicit
//! [tolerances](check::Tolerance) and reports every entry that disagrees;
//! [`check::dot_product_check`] runs the `⟨u, J v⟩ = ⟨Jᵀu, v⟩` test on what a `_vjp`
//! accumulated, for functions with several results.
//!
//! ```
//! use autodiff::check::{dot_product_check, gradcheck, Tolerance};
//! use autodiff::grad;
//!
//! #[grad]
//! fn f(x1: f64, x2: f64) -> f64 {
//!     (x1 * x2).sin() + x1.exp() / x2
//! }
//!
//! #[grad]
//! fn polar(r: f64, theta: f64) -> [f64; 2] {
//!     [r * theta.cos(), r * theta.sin()]
//! }
//!
//! let tol = Tolerance::default();
//! let (_, (d1, d2)) = f_grad(0.3, -1.2);
//! gradcheck(|x: &[f64]| f(x[0], x[1]), &[0.3, -1.2], &[d1, d2], &tol).unwrap();
//!
//! let (x, u, v) = ([1.5, 0.4], [0.3, -2.0], [1.0, 0.5]);
//! let (mut br, mut bt) = (0.0, 0.0);
//! polar_vjp(x[0], x[1], u, &mut br, &mut bt);
//! dot_product_check(|p: &[f64]| polar(p[0], p[1]), &x, &v, &u, &[br, bt], &tol).unwrap();
//! ```
//!
//! # Limitations
//!
//! - `#[grad(hvp)]` needs a single float result.
//! - Where a partial is infinite (`√x` at 0), forward mode keeps a zero tangent zero, as the
//!   reverse rules keep a zero adjoint zero; but a constant zero factor times an infinite tangent
//!   (`0.0 * x.sqrt()` at 0 along a direction that moves `x`) is NaN in forward mode, and so in
//!   `NAME_hvp`'s `H·v`, where the reverse sweep gives 0. (Through a call, a zero seed keeps the
//!   callee's infinite gradient out of the caller's.)
//! - No generic functions, methods (`self`), associated functions (in an `impl` or `trait`),
//!   `async`, `unsafe` or `extern` functions.
//! - No structs in the body (nor struct-like enum variants built there: `Loss::Huber(d)` is
//!   fine, `Loss::PseudoHuber { delta }` only as a pattern), no tuple parameters holding
//!   arrays. A function's tuple result is destructured where it is called, `let (a, b) =
//!   f(x);`, not kept whole (`let p = f(x); p.0`).
//! - `#[grad(hvp)]` gives no second order to a function with a vector result, so a caller
//!   with `hvp` needs a hand-written `NAME_jvp_vjp` for such a callee.
//! - A closure bound with `let` is called, not stored, passed on or returned, and assigns to
//!   nothing it captures; iterator chains take the adaptors listed above (after a `filter`,
//!   `rev` only before a counting one, and no `zip` with a filtered chain).
//! - `match` and `if let` take parts out of data that is not differentiated: a name bound by
//!   a pattern from a value that depends on a differentiated input is an error (a plain name,
//!   `v => ..`, binds the whole value and is differentiated).
//! - No `&mut` parameters: a differentiated function returns its result. Array parameters are
//!   read-only; copy one into a local buffer to modify it.
//! - No `while let`, `let … else`, labelled `break`/`continue`, or macros other than the
//!   `assert!` family.
//! - A function with a vector result must end in it (`(a, b)`, `[a, b]` or the name of a local
//!   array) and may not `return` early.
//! - A callee with `wrt(..)` imported by bare name needs its hidden `__ad_adapt_NAME` imported
//!   too (a glob does it); call it by path otherwise.
//! - A callee's rule called by bare name is looked up in the module (items, imports, globs) and
//!   the function body's `use`s; one defined inside an enclosing function body (a `fn` inside
//!   `main`) is not seen, and the call reports it missing: move it to module level.
//! - `NAME_trace` (reverse mode) is for functions with a single float result; a vector result
//!   is traced in forward mode, with `#[grad(trace, jvp)]`.
//! - The [`kernels`] are `f64` only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate self as autodiff;

pub use autodiff_macros::{grad, jvp_rule, vjp_rule};
pub use autodiff_runtime::{check, detach, kernels, relu, sigmoid, Float, Step, Trace, Update};

/// What generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::checkpoint::{segment, Action, Actions, Schedule, Snapshots};
    pub use autodiff_runtime::ops;
    pub use autodiff_runtime::{
        cast_like, detach, guarded_div, guarded_mul, no_bar, pop, powf_d, powf_dp, powi_d, quot0,
        relu, replay, rules, second_acc, seed, sigmoid, unwanted_like, zeros_like, Active, Arg,
        FloatArg, Inactive, IsInactive, OtherArg,
    };
}
