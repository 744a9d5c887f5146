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
            // Each cause once: layer errors already quote their source in their message.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
