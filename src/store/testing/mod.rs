//! The two backends a store test runs on: a SQLite file in a temporary
//! directory, and a PostgreSQL server of the test's own (Debian's
//! `postgresql`: `initdb` and `pg_ctl` on a temporary directory, reached
//! through a Unix socket there), stopped when the test ends.
//!
//! [`both_backends!`](crate::both_backends) writes a test once and runs it
//! on each.

mod postgres;

pub use postgres::Postgres;

use super::{Place, Store};

/// Which database a test's store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A test's store and what it runs on, removed when dropped.
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// Where it is: opening it again is a restart.
    pub place: Place,
    // Dropped after the store: the server stops, the files go.
    _server: Option<Postgres>,
    _dir: tempfile::TempDir,
}

impl TestStore {
    /// A new, empty store on `backend`.
    pub fn new(backend: Backend) -> TestStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (place, server) = match backend {
            Backend::Sqlite => (Place::File(dir.path().join("vigia.db")), None),
            Backend::Postgres => {
                let server = Postgres::start(dir.path());
                let place = Place::Postgres {
                    url: server.url(),
                    password: None,
                    ca_file: None,
                };
                (place, Some(server))
            }
        };
        let store = Store::open_at(place.clone()).expect("the store opens");
        TestStore {
            store,
            place,
            _server: server,
            _dir: dir,
        }
    }
}

impl std::ops::Deref for TestStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// Writes a store test once and runs it on both backends: `fn name(store)
/// { … }` becomes `name::sqlite` and `name::postgres`, each given a
/// [`TestStore`] of its own.
#[macro_export]
macro_rules! both_backends {
    ($(fn $name:ident($store:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($store: $crate::store::testing::TestStore) $body

            #[test]
            fn sqlite() {
                run($crate::store::testing::TestStore::new($crate::store::testing::Backend::Sqlite));
            }

            #[test]
            fn postgres() {
                run($crate::store::testing::TestStore::new($crate::store::testing::Backend::Postgres));
            }
        }
    )*};
}
