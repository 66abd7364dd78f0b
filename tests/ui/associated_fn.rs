use autodiff::grad;

struct Model;

impl Model {
    #[grad]
    fn loss(x: f64) -> f64 {
        x * x
    }
}

trait Energy {
    #[grad]
    fn energy(x: f64) -> f64 {
        x.sin()
    }
}

impl Energy for Model {
    #[grad]
    fn energy(x: f64) -> f64 {
        x.cos()
    }
}

fn main() {
    let _ = Model::loss(1.0);
}
