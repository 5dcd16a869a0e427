//! A small HTTP/1.1 client for the team-server tests and the load bench: one keep-alive
//! connection per simulated analyst, JSON bodies, the Host and Origin headers the workbench
//! requires, and server-sent events. Loopback only; written here (60 lines of protocol) so that
//! the bench measures the server, not a client library, and adds no dependency.

#![allow(dead_code)]

use std::io;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// An answer: status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON (`null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One connection to a workbench at `host` (`127.0.0.1:PORT`).
pub struct Conn {
    host: String,
    stream: Option<BufReader<TcpStream>>,
    /// Sent as `Cookie:` with every request (a team-mode session, once login exists).
    pub cookie: Option<String>,
}

impl Conn {
    /// A connection that opens (and re-opens after an error) on first use.
    pub fn new(host: &str) -> Conn {
        Conn { host: host.to_owned(), stream: None, cookie: None }
    }

    /// Sends one request; a mutating one carries our Origin. On an I/O error the connection is
    /// dropped, so the next request opens a fresh one.
    pub async fn send(&mut self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Reply> {
        self.send_with(method, path, None, body).await
    }

    /// Sends an update or delete of the object whose `revision` the client read.
    pub async fn send_if_match(&mut self, method: &str, path: &str, revision: &str, body: &Value) -> io::Result<Reply> {
        self.send_with(method, path, Some(revision), Some(body)).await
    }

    async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        revision: Option<&str>,
        body: Option<&Value>,
    ) -> io::Result<Reply> {
        let result = self.exchange(method, path, revision, body).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        revision: Option<&str>,
        body: Option<&Value>,
    ) -> io::Result<Reply> {
        if self.stream.is_none() {
            self.stream = Some(BufReader::new(TcpStream::connect(&self.host).await?));
        }
        let host = self.host.clone();
        let mut extra = self.cookie.as_ref().map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        if let Some(r) = revision {
            extra.push_str(&format!("If-Match: \"{r}\"\r\n"));
        }
        let stream = self.stream.as_mut().expect("just opened");
        let payload = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n{extra}Accept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            payload.len()
        );
        stream.get_mut().write_all(format!("{head}{payload}").as_bytes()).await?;
        let (status, headers) = read_head(stream).await?;
        let body = if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
            let mut all = Vec::new();
            while let Some(chunk) = read_chunk(stream).await? {
                all.extend_from_slice(&chunk);
            }
            all
        } else {
            let len =
                headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
            let mut buf = vec![0; len];
            stream.read_exact(&mut buf).await?;
            buf
        };
        if headers.iter().any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close")) {
            self.stream = None;
        }
        Ok(Reply { status, body: String::from_utf8_lossy(&body).into_owned() })
    }

    /// The JSON of a GET that must succeed.
    pub async fn get_json(&mut self, path: &str) -> Value {
        let r = self.send("GET", path, None).await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        r.json()
    }
}

async fn read_head(stream: &mut BufReader<TcpStream>) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    Ok((status, headers))
}

/// One chunk of a chunked body; `None` after the last.
async fn read_chunk(stream: &mut BufReader<TcpStream>) -> io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let size = usize::from_str_radix(line.trim(), 16)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size {line:?}")))?;
    let mut buf = vec![0; size + 2];
    stream.read_exact(&mut buf).await?;
    buf.truncate(size);
    Ok((size > 0).then_some(buf))
}

/// Logs `name` in on a team server through the login form; returns the session cookie
/// (`idiograph_session=…`) to send with later requests.
pub async fn log_in(host: &str, name: &str, password: &str) -> io::Result<String> {
    let mut stream = BufReader::new(TcpStream::connect(host).await?);
    let form = format!("name={name}&password={}", password.replace(' ', "+"));
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    stream.get_mut().write_all(head.as_bytes()).await?;
    let (status, headers) = read_head(&mut stream).await?;
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|c| c.starts_with("idiograph_session=")).map(str::to_owned))
        .ok_or_else(|| io::Error::other(format!("login of {name} answered {status} without a session")))
}

/// A subscription to `/api/v1/events`.
pub struct Events {
    stream: BufReader<TcpStream>,
    pending: String,
}

impl Events {
    /// Subscribes; returns once the server has answered (so later changes are seen).
    pub async fn subscribe(host: &str) -> io::Result<Events> {
        Events::subscribe_as(host, None).await
    }

    /// Subscribes with a session cookie (a team server's member).
    pub async fn subscribe_as(host: &str, cookie: Option<&str>) -> io::Result<Events> {
        let mut stream = BufReader::new(TcpStream::connect(host).await?);
        let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        let head = format!("GET /api/v1/events HTTP/1.1\r\nHost: {host}\r\n{cookie}Accept: text/event-stream\r\n\r\n");
        stream.get_mut().write_all(head.as_bytes()).await?;
        let (status, _) = read_head(&mut stream).await?;
        if status != 200 {
            return Err(io::Error::other(format!("events answered {status}")));
        }
        Ok(Events { stream, pending: String::new() })
    }

    /// The data of the next `change` event whose data contains `needle`; `None` if none came
    /// within `limit` (a bound so a failing test ends, not a timing assertion).
    pub async fn wait_for(&mut self, needle: &str, limit: Duration) -> Option<Value> {
        let wait = async {
            loop {
                while let Some(end) = self.pending.find("\n\n") {
                    let event: String = self.pending.drain(..end + 2).collect();
                    let data = event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("");
                    if event.contains("event: change") && data.contains(needle) {
                        return serde_json::from_str(data).ok();
                    }
                }
                match read_chunk(&mut self.stream).await {
                    Ok(Some(chunk)) => self.pending.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => return None,
                }
            }
        };
        tokio::time::timeout(limit, wait).await.ok().flatten()
    }
}
