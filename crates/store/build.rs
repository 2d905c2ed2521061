// `sqlx::migrate!` embeds the migration files at compile time; a new or changed file must
// rebuild this crate (the build script sqlx documents for this).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
