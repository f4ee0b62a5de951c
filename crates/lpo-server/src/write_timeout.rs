//! A write timeout for connections, which hyper does not have: a client that stops reading
//! would otherwise hold its answer (up to the batch limits, tens of megabytes) in memory for as
//! long as it keeps the connection open. A write that makes no progress for the timeout fails
//! with `TimedOut`; hyper then closes the connection and drops the answer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// `S` with a write timeout: the time a write (or flush or shutdown) may wait for the peer.
pub(crate) struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Armed while a write waits; made on the first wait of the connection, then reset.
    stall: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl<S> WriteTimeout<S> {
    pub(crate) fn new(inner: S, timeout: Duration) -> WriteTimeout<S> {
        WriteTimeout {
            inner,
            timeout,
            stall: None,
            armed: false,
        }
    }

    /// After the inner write returned `poll`: progress disarms the timer, a wait arms it (once)
    /// and fails the write when it fires.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.armed = false;
            return poll;
        }
        let deadline = Instant::now() + self.timeout;
        let stall = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.armed {
            stall.as_mut().reset(deadline);
            self.armed = true;
        }
        ready!(stall.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the client read nothing for {} s",
                self.timeout.as_secs_f64()
            ),
        )))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_does_not_read_fails_after_the_timeout() {
        // A pipe whose far end reads nothing: the writer fills it and waits.
        let (near, far) = tokio::io::duplex(1024);
        let mut w = WriteTimeout::new(near, Duration::from_secs(30));
        let big = vec![7u8; 1 << 20];
        let e = w.write_all(&big).await.err();
        assert_eq!(e.map(|e| e.kind()), Some(io::ErrorKind::TimedOut));
        // The far end was kept open (and unread) until then.
        drop((w, far));
        // A reader that keeps reading is never cut: progress disarms the timer.
        let (near, mut far2) = tokio::io::duplex(1024);
        let mut w = WriteTimeout::new(near, Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut chunk = [0u8; 512];
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                match far2.read(&mut chunk).await {
                    Ok(0) | Err(_) => break got.len(),
                    Ok(n) => got.extend_from_slice(&chunk[..n]),
                }
            }
        });
        let data = vec![1u8; 8 << 10];
        assert!(w.write_all(&data).await.is_ok());
        assert!(w.shutdown().await.is_ok());
        drop(w);
        assert_eq!(reader.await.ok(), Some(data.len()));
    }
}
