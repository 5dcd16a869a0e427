//! What the application's tests share: a new study on either backend, opened again as another
//! process would, with what it stores, and removed afterwards.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use idiograph_app::{build_demo, Workbench};
use idiograph_model::Terminology;
use idiograph_testkit::{Backend, DropSchema};

/// The demo study on one backend: built as a project file in `dir`, and for the server copied to
/// a new project there, which is dropped with the returned guard.
pub async fn demo(backend: &Backend, dir: &Path, author: &str) -> (Workbench, Option<DropSchema>) {
    let demo = build_demo(&dir.join("demo.idg"), author).await.unwrap();
    match backend {
        Backend::File => (demo, None),
        Backend::Server(url) => {
            let id = demo.copy_to_server(url).await.unwrap();
            demo.close().await;
            (Workbench::open_on_server(url, &id, author).await.unwrap(), Some(DropSchema::new(url, &id)))
        }
    }
}

/// Where a study is kept.
enum Place {
    File(PathBuf),
    Server { url: String, id: String },
}

/// A new study (2022 wording) on one backend: a project file `study.idg` in a folder of the
/// test's, or a new project on the server, dropped with this value.
pub struct Study {
    /// The workbench the study was made with.
    pub wb: Workbench,
    place: Place,
    _schema: Option<DropSchema>,
}

impl Study {
    /// Makes the study in `dir` (a file) or on the server, as `author`.
    pub async fn create(backend: &Backend, dir: &Path, title: &str, author: &str) -> Study {
        match backend {
            Backend::File => {
                let path = dir.join("study.idg");
                let wb = Workbench::create(&path, title, Terminology::Smith2022, author).await.unwrap();
                Study { wb, place: Place::File(path), _schema: None }
            }
            Backend::Server(url) => {
                let (wb, id) = Workbench::create_on_server(url, title, Terminology::Smith2022, author).await.unwrap();
                let schema = DropSchema::new(url, &id);
                Study { wb, place: Place::Server { url: url.clone(), id }, _schema: Some(schema) }
            }
        }
    }

    /// Another workbench on the same study, as another process opens it.
    pub async fn open_again(&self, author: &str) -> Workbench {
        match &self.place {
            Place::File(path) => Workbench::open(path, author).await.unwrap(),
            Place::Server { url, id } => Workbench::open_on_server(url, id, author).await.unwrap(),
        }
    }

    /// The project file, for a study kept in one.
    pub fn file(&self) -> Option<&Path> {
        match &self.place {
            Place::File(path) => Some(path),
            Place::Server { .. } => None,
        }
    }

    /// `name` made unique to this study: a server's accounts are shared by all its projects
    /// and outlive them.
    pub fn unique(&self, name: &str) -> String {
        match &self.place {
            Place::File(_) => name.to_owned(),
            Place::Server { id, .. } => format!("{name}-{id}"),
        }
    }

    /// Everything stored: the raw bytes of the project file and its WAL, or the server's rows.
    pub fn stored_bytes(&self) -> Vec<u8> {
        match &self.place {
            Place::File(path) => {
                let mut bytes = std::fs::read(path).unwrap();
                bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
                bytes
            }
            Place::Server { url, id } => idiograph_testkit::schema_contents(url, id),
        }
    }

    /// Closes the workbench; a server study's search index (in the temporary folder, not
    /// beside a file) goes too.
    pub async fn close(self) {
        if let Place::Server { .. } = self.place {
            let _ = std::fs::remove_dir_all(self.wb.search_index_dir());
        }
        self.wb.close().await;
    }
}
