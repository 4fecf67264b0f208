//! `gasdesk`: the gas connection service, its calendar and its tools.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use gasdesk_calendar::cli::{CalendarCommand, CliOutput};
use gasdesk_domain::Role;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_store::Store;
use gasdesk_web::AppState;
use gasdesk_web::clock::SystemClock;

mod copy;
mod setup;

const DEFAULT_DATABASE_URL: &str = "sqlite://data/gasdesk.db";

#[derive(Parser)]
#[command(
    name = "gasdesk",
    version,
    about = "燃气报装服务系统 gas connection service"
)]
struct Cli {
    /// Database URL; the default is a SQLite file under ./data/.
    #[arg(long, global = true, env = "GASDESK_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service.
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Working-time arithmetic on the official calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The rulebook: time limits, steps, materials and fees.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// The local business registry looked up by credit code.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Copy the whole history from one database to another (e.g. SQLite to
    /// PostgreSQL) and verify counts and checksums; running it again
    /// changes nothing. Stop the servers using the source first.
    Copy {
        /// The database to copy from, e.g. sqlite://data/gasdesk.db.
        #[arg(long)]
        from: String,
        /// The database to copy to, e.g. postgres://user@host/gasdesk; it
        /// must exist, and be empty or hold an earlier copy of the source.
        #[arg(long)]
        to: String,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GASDESK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A rulebook file to use instead of the county's default.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// One log line per request, as text or as JSON.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Company working hours of a standard day; a working day of budget
    /// (P1D) is their total.
    #[arg(long, default_value = "08:30-12:00,14:30-18:00")]
    hours: String,
    /// Seconds between this server's looks for due background jobs
    /// (deadline checks); 0 leaves background work to other servers.
    #[arg(long, env = "GASDESK_WORK_INTERVAL", default_value_t = 30)]
    work_interval: u64,
    /// Seconds a claimed background job stays this server's; when a server
    /// dies, another takes its jobs over after this long.
    #[arg(long, env = "GASDESK_LEASE_SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    lease_seconds: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account; prints a generated password unless one is given
    /// on standard input.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        /// service_staff, customer_manager, designer, construction_unit,
        /// operations_unit, supervisor, business_planning or admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List staff accounts.
    List,
    /// Set a new generated password (ends the user's sessions).
    ResetPassword { username: String },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check a rulebook file; reports every error with its line and column.
    Check { file: PathBuf },
    /// Print the county's default rulebook.
    Default,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Import business licences from a CSV file
    /// (uscc,name,legal_representative,address,registered_on,status).
    Import { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.database_url, args).await,
        Command::Migrate => {
            open_store(&cli.database_url).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => user(&cli.database_url, cmd).await,
        Command::Calendar(cmd) => calendar(&cli.database_url, cmd).await,
        Command::Rules(cmd) => rules(cmd),
        Command::Registry(RegistryCommand::Import { file }) => {
            registry_import(&cli.database_url, &file).await
        }
        Command::Copy { from, to } => copy_history(&from, &to).await,
    }
}

async fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data folder {}", dir.display()))?;
    }
    gasdesk_store::connect(url)
        .await
        .with_context(|| format!("opening the database {}", redact(url)))
}

/// The file behind a `sqlite://` URL, for creating its folder.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_string(),
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> Result<ExitCode> {
    setup::logging(matches!(args.log_format, LogFormat::Json));
    let rulebook = match &args.rules {
        Some(path) => load_rules(path)?,
        None => Rulebook::county_default(),
    };
    let store = open_store(database_url).await?;
    let calendars = setup::calendars(store.as_ref(), &args.hours).await?;
    setup::first_admin(store.as_ref()).await?;

    let state = AppState::new(store.clone(), rulebook, calendars, Arc::new(SystemClock));
    tokio::spawn(setup::reload_calendars(
        store,
        state.clone(),
        args.hours.clone(),
    ));
    if args.work_interval > 0 {
        let config = gasdesk_web::worker::WorkerConfig::new(
            chrono::Duration::seconds(args.lease_seconds as i64),
            std::time::Duration::from_secs(args.work_interval),
        );
        tokio::spawn(gasdesk_web::worker::run(state.clone(), config));
    }
    let app = gasdesk_web::router(state);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "listening on {} (choose another address with --listen or GASDESK_LISTEN)",
                args.listen
            )
        })?;
    tracing::info!(listen = %args.listen, "gasdesk is serving");
    // TODO: axum::serve sets no header-read timeout, so a client can hold a
    // connection by sending its headers very slowly (the body is bounded by
    // the request timeout). Until the accept loop sets hyper's
    // header_read_timeout, run behind a reverse proxy that bounds it.
    axum::serve(listener, app)
        .with_graceful_shutdown(setup::shutdown_signal())
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}

fn load_rules(path: &Path) -> Result<Rulebook> {
    let source = std::fs::read_to_string(path)
        .with_context(|| format!("reading the rulebook {}", path.display()))?;
    Rulebook::parse(&source)
        .map_err(|errors| anyhow::anyhow!("the rulebook {} has errors:\n{errors}", path.display()))
}

fn rules(cmd: RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::Default => {
            print!("{}", gasdesk_domain::rulebook::COUNTY_DEFAULT_TOML);
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Check { file } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match Rulebook::parse(&source) {
                Ok(book) => {
                    println!("{}: ok ({})", file.display(), book.name());
                    Ok(ExitCode::SUCCESS)
                }
                Err(errors) => {
                    for e in &errors.0 {
                        eprintln!(
                            "{}:{}:{}: {}: {}",
                            file.display(),
                            e.line,
                            e.column,
                            e.path,
                            e.message
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

async fn user(database_url: &str, cmd: UserCommand) -> Result<ExitCode> {
    let store = open_store(database_url).await?;
    match cmd {
        UserCommand::Add {
            username,
            name,
            role,
            password_stdin,
        } => {
            let role: Role = role.parse().map_err(|e| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("{e}; roles are {}", known.join(", "))
            })?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                gasdesk_web::auth::generate_password()
            };
            // A generated password is handed over and changed at first
            // sign-in; one typed in by the operator is theirs to keep.
            let expired = !password_stdin;
            setup::add_user(store.as_ref(), &username, &name, role, &password, expired).await?;
            println!("added {username} ({role})");
            if !password_stdin {
                println!("one-time password: {password}");
            }
        }
        UserCommand::List => {
            for u in store.users().await? {
                let active = if u.active { "" } else { " (inactive)" };
                println!("{}\t{}\t{}{active}", u.username, u.role, u.display_name);
            }
        }
        UserCommand::ResetPassword { username } => {
            let Some(u) = store.user_by_username(&username).await? else {
                bail!("no user named {username}");
            };
            let password = gasdesk_web::auth::generate_password();
            let hash = gasdesk_web::auth::hash_password_blocking(&password)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.set_password(u.id, &hash, true).await?;
            println!("new one-time password for {username}: {password}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn calendar(database_url: &str, cmd: CalendarCommand) -> Result<ExitCode> {
    // Reading a calendar should not create a database as a side effect: only
    // an import, which must keep the year, opens one that does not exist yet.
    let importing = matches!(cmd, CalendarCommand::Import { .. });
    let exists = sqlite_path(database_url).is_none_or(|p| p.exists());
    let store = if importing || exists {
        Some(open_store(database_url).await?)
    } else {
        None
    };
    let imported = match &store {
        Some(s) => s.calendar_years().await?,
        None => Vec::new(),
    };
    match gasdesk_calendar::cli::run(cmd, &imported) {
        Ok(CliOutput::Text(out)) => {
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(CliOutput::Imported {
            year,
            json,
            message,
        }) => {
            let store = store.context("no database to keep the imported year")?;
            store
                .save_calendar_year(year, &json, chrono::Utc::now())
                .await?;
            println!("{message}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn registry_import(database_url: &str, file: &Path) -> Result<ExitCode> {
    let reader =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let licences = match gasdesk_domain::registry::read_csv(reader) {
        Ok(l) => l,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}: {e}", file.display());
            }
            eprintln!("nothing imported");
            return Ok(ExitCode::FAILURE);
        }
    };
    let store = open_store(database_url).await?;
    let n = store.import_licences(&licences, chrono::Utc::now()).await?;
    println!("imported {n} business licences");
    Ok(ExitCode::SUCCESS)
}

async fn copy_history(from: &str, to: &str) -> Result<ExitCode> {
    if from.trim() == to.trim() {
        bail!("--from and --to name the same database");
    }
    let source = open_store(from).await?;
    let target = open_store(to).await?;
    let reports = copy::copy(source.as_ref(), target.as_ref()).await?;
    println!("copied {} to {}", redact(from), redact(to));
    for r in &reports {
        println!(
            "{:<22} {:>8} rows, {:>8} written, sha256 {} (source and copy agree)",
            r.table.as_str(),
            r.source.rows,
            r.written,
            &r.source.sha256[..16],
        );
    }
    Ok(ExitCode::SUCCESS)
}
