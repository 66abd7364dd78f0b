use autodiff::grad;

#[grad]
fn f(__ad_fresh: f64, y: f64) -> f64 {
    let __ad_t = __ad_fresh * y;
    let s = __ad_t + __ad_t;
    s * { __ad_fresh }
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
