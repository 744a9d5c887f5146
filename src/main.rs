use clap::Parser;

fn main() -> std::process::ExitCode {
    esco_ld::embed::fix_thread_count();
    let cli = esco_ld::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match esco_ld::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", esco_ld::util::error_chain(e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}
