//! Graceful shutdown of the real binary (issue 17): after SIGTERM or SIGINT the
//! server takes no new connections, and the requests in flight complete.
//!
//! A request is held in flight by sending its body in two parts: the
//! signal arrives between them.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a failure is the test failing
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{Server, get};

/// A server on a SQLite file of its own, removed afterwards.
struct Sqlite {
    server: Server,
    file: std::path::PathBuf,
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        let _ = self.server.child.kill();
        let _ = self.server.child.wait();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.file.display()));
        }
    }
}

fn start(name: &str) -> Sqlite {
    let file =
        std::env::temp_dir().join(format!("lotse-shutdown-{name}-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let server = Server::start(&url, &["--workers", "2", "--shutdown-timeout-secs", "20"]);
    Sqlite { server, file }
}

#[test]
fn sigterm_lets_requests_in_flight_finish() {
    in_flight_requests_finish("TERM");
}

/// Ctrl-C too (actix-server alone would stop at once on SIGINT).
#[test]
fn sigint_lets_requests_in_flight_finish() {
    in_flight_requests_finish("INT");
}

fn in_flight_requests_finish(signal: &str) {
    let mut sqlite = start(signal);
    let server = &mut sqlite.server;
    let body = br#"{"region": "bielefeld", "role": "works_council"}"#;
    let (first, rest) = body.split_at(10);
    let mut in_flight = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        write!(
            stream,
            "POST /api/v1/match HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .expect("head");
        stream.write_all(first).expect("first part");
        in_flight.push(stream);
    }
    // Let the server read the heads before the signal.
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    // No new connections are served once it is shutting down.
    assert!(
        get(server.port, "/health").is_none(),
        "a new connection was served after SIG{signal}"
    );
    for mut stream in in_flight {
        stream.write_all(rest).expect("rest of the body");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "an in-flight request was not completed: {answer:.200}"
        );
        assert!(answer.contains("\"items\""), "{answer:.300}");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 20 s after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status after SIG{signal}: {status}");
}
