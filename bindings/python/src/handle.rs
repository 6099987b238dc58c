//! [`Core`], what both handle classes hold, and the ways to make one: in memory (`sandbox`, the
//! SMTP constructor) at once; on a durable store (`open_sandbox`, `open`, `connect`) through a
//! [`Target`], whose [`Target::open`] the blocking class waits on and the async one awaits.
//! A production handle's settings ([`Production`]: SMTP, and optionally Buildium as the PMS and
//! SALTO as the key encoder) are checked before any store is opened.

use crate::buildium::{self, PyBuildiumConfig};
use crate::error::to_py_err;
use crate::records::repr_value;
use crate::runtime::runtime;
use crate::salto::{self, PySaltoConfig};
use crate::sandbox::PySandboxControls;
use crate::smtp::{PySmtpConfig, describe};
use concierge::sandbox::Sandbox;
use concierge::store::{PgStore, SqliteStore};
use concierge::{Concierge, ConciergeBuilder, Config, SmtpMailer};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;

/// What both handle classes hold: the facade, and the sandbox when it is one.
#[derive(Clone)]
pub struct Core {
    pub facade: Concierge,
    sandbox: Option<Sandbox>,
    /// What `repr` shows after the class name: how the handle was made. Never a secret.
    pub origin: String,
}

impl Core {
    /// The sandbox in memory.
    pub fn sandbox(py: Python<'_>, seed: u64, deadline: KeyWriteDeadline) -> PyResult<Self> {
        let sandbox = Sandbox::new(seed);
        let facade = deadline
            .apply(Concierge::builder().sandbox(&sandbox))
            .build()
            .map_err(|e| to_py_err(py, e))?;
        Ok(Self {
            facade,
            sandbox: Some(sandbox),
            origin: format!(".sandbox(seed={seed}{})", deadline.shown()),
        })
    }

    /// Mail over SMTP (and Buildium as the PMS, SALTO as the key encoder, when given), state in
    /// memory.
    pub fn production(py: Python<'_>, settings: Production) -> PyResult<Self> {
        // The transports may need a runtime context to start.
        let _guard = runtime().enter();
        let facade = settings
            .wire(Concierge::builder())
            .and_then(ConciergeBuilder::build)
            .map_err(|e| to_py_err(py, e))?;
        Ok(Self {
            facade,
            sandbox: None,
            origin: format!("({})", settings.shown),
        })
    }

    pub fn controls(&self) -> Option<PySandboxControls> {
        self.sandbox
            .clone()
            .map(|sandbox| PySandboxControls { sandbox })
    }
}

/// A sandbox handle's `key_write_deadline_seconds`: how long a key write may take before the
/// SDK stops waiting (the default of `Config` when `None`).
#[derive(Clone, Copy)]
pub struct KeyWriteDeadline(Option<(f64, std::time::Duration)>);

impl KeyWriteDeadline {
    pub fn new(seconds: Option<f64>) -> PyResult<Self> {
        seconds
            .map(|s| {
                std::time::Duration::try_from_secs_f64(s)
                    .map(|d| (s, d))
                    .map_err(|_| {
                        PyValueError::new_err(
                            "key_write_deadline_seconds must be a finite number of seconds, 0 or more",
                        )
                    })
            })
            .transpose()
            .map(Self)
    }

    fn apply(self, builder: ConciergeBuilder) -> ConciergeBuilder {
        match self.0 {
            Some((_, deadline)) => builder.config(Config {
                key_write_deadline: deadline,
                ..Config::default()
            }),
            None => builder,
        }
    }

    /// `, key_write_deadline_seconds=…` when given, for `repr`.
    fn shown(self) -> String {
        match self.0 {
            Some((s, _)) => format!(", key_write_deadline_seconds={s:?}"),
            None => String::new(),
        }
    }
}

/// The settings of a production handle: SMTP, the activation validity, and the PMS.
pub struct Production {
    smtp: concierge::SmtpConfig,
    validity: chrono::Duration,
    buildium: Option<concierge::buildium::BuildiumConfig>,
    salto: Option<concierge::salto::SaltoConfig>,
    /// `smtp=SmtpConfig(…), activation_validity_days=…[, buildium=BuildiumConfig(…)]
    /// [, salto=SaltoConfig(…)]`, for `repr`. Never a secret.
    shown: String,
}

impl Production {
    pub fn new(
        py: Python<'_>,
        smtp: &PySmtpConfig,
        activation_validity_days: i64,
        pms: Option<&PyBuildiumConfig>,
        encoder: Option<&PySaltoConfig>,
    ) -> PyResult<Self> {
        let validity = chrono::Duration::try_days(activation_validity_days)
            .ok_or_else(|| PyValueError::new_err("activation_validity_days is out of range"))?;
        let mut shown = format!(
            "smtp={}, activation_validity_days={activation_validity_days}",
            describe(py, &smtp.inner)?
        );
        if let Some(b) = pms {
            shown.push_str(", buildium=");
            shown.push_str(&buildium::describe(py, &b.inner)?);
        }
        if let Some(s) = encoder {
            shown.push_str(", salto=");
            shown.push_str(&salto::describe(py, &s.inner)?);
        }
        Ok(Self {
            smtp: smtp.inner.clone(),
            validity,
            buildium: pms.map(|b| b.inner.clone()),
            salto: encoder.map(|s| s.inner.clone()),
            shown,
        })
    }

    /// `builder` with this mailer, validity, PMS and key encoder. Needs a runtime context. A
    /// Buildium or SALTO configuration the adapter refuses is its `ProviderError`.
    fn wire(&self, builder: ConciergeBuilder) -> concierge::Result<ConciergeBuilder> {
        let mailer = SmtpMailer::new(self.smtp.clone())?;
        let mut builder = builder.mailer(mailer).activation_validity(self.validity);
        if let Some(cfg) = &self.buildium {
            builder = builder.pms(buildium::pms(cfg)?);
        }
        if let Some(cfg) = &self.salto {
            builder = builder.key_encoder(salto::encoder(cfg)?);
        }
        Ok(builder)
    }

    /// A builder with these settings, once the facade has accepted them: a bad setting is
    /// refused before a store is opened (a file created).
    fn checked(&self) -> concierge::Result<ConciergeBuilder> {
        let builder = self.wire(Concierge::builder())?;
        builder.check()?;
        Ok(builder)
    }
}

/// A handle on a durable store, to be opened.
pub enum Target {
    /// The sandbox's fakes, state in a SQLite file.
    SandboxFile {
        path: PathBuf,
        seed: u64,
        deadline: KeyWriteDeadline,
    },
    /// State in a SQLite file, mail over SMTP.
    File { path: PathBuf, settings: Production },
    /// State in PostgreSQL, mail over SMTP. The URL may hold a password.
    Postgres {
        url: SecretString,
        settings: Production,
    },
}

impl Target {
    /// `class.method(…)`, e.g. `Concierge.open`, for messages.
    pub fn call(&self, class: &str) -> String {
        let method = match self {
            Target::SandboxFile { .. } => "open_sandbox",
            Target::File { .. } => "open",
            Target::Postgres { .. } => "connect",
        };
        format!("{class}.{method}(…)")
    }

    /// Opens the store (creating or migrating it as needed) and builds the handle. Runs on the
    /// binding's runtime; a store that is refused leaves its file or database unchanged.
    pub async fn open(self) -> concierge::Result<Core> {
        match self {
            Target::SandboxFile {
                path,
                seed,
                deadline,
            } => {
                let sandbox = Sandbox::new(seed);
                let store = SqliteStore::open(&path).await?;
                let facade = deadline
                    .apply(Concierge::builder().sandbox(&sandbox))
                    .store(store)
                    .build()?;
                Ok(Core {
                    facade,
                    sandbox: Some(sandbox),
                    origin: format!(
                        ".open_sandbox({}, seed={seed}{})",
                        py_str(&path),
                        deadline.shown()
                    ),
                })
            }
            Target::File { path, settings } => {
                let builder = settings.checked()?;
                let store = SqliteStore::open(&path).await?;
                Ok(Core {
                    facade: builder.store(store).build()?,
                    sandbox: None,
                    origin: format!(".open({}, {})", py_str(&path), settings.shown),
                })
            }
            Target::Postgres { url, settings } => {
                let builder = settings.checked()?;
                let store = PgStore::connect(url.expose_secret()).await?;
                // Host, port and database; never the URL, which may hold the password.
                let location = store.location().to_owned();
                Ok(Core {
                    facade: builder.store(store).build()?,
                    sandbox: None,
                    origin: format!(".connect({}, {})", py_str(&location), settings.shown),
                })
            }
        }
    }
}

/// Python's `repr` of a path or text, e.g. `'/srv/concierge.db'`.
fn py_str(text: &(impl AsRef<std::ffi::OsStr> + ?Sized)) -> String {
    let text = text.as_ref().to_string_lossy();
    Python::attach(|py| repr_value(py, text.as_ref())).unwrap_or_else(|_| format!("{text:?}"))
}
