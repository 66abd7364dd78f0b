use autodiff::grad;

fn main() {
    fn square(x: f64) -> f64 {
        x * x
    }

    fn square_vjp(x: f64, seed: f64, x_bar: &mut f64) -> f64 {
        *x_bar += 2.0 * x * seed;
        x * x
    }

    #[grad]
    fn f(x: f64) -> f64 {
        square(x) + x
    }

    let _ = f_grad(1.0);
}
