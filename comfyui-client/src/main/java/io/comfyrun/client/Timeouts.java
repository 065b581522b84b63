package io.comfyrun.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call I/O timeouts for one server. {@code ping} is the WebSocket ping interval: liveness is
 * judged by pong replies, never by silence (a five-minute silent node is normal in ComfyUI).
 *
 * @param connect TCP/TLS connect timeout of every HTTP call and of the WebSocket upgrade
 * @param read    read timeout of one HTTP response (not used on the WebSocket)
 * @param write   write timeout of one HTTP request
 * @param call    whole-call timeout of one HTTP exchange except streamed downloads and uploads
 * @param ping    WebSocket ping interval; a missing pong within this interval closes the socket
 */
public record Timeouts(Duration connect, Duration read, Duration write, Duration call, Duration ping) {

    public static final Timeouts DEFAULTS = new Timeouts(
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofSeconds(20));

    public Timeouts {
        requirePositive(connect, "connect");
        requirePositive(read, "read");
        requirePositive(write, "write");
        requirePositive(call, "call");
        requirePositive(ping, "ping");
    }

    public Timeouts withConnect(Duration d) {
        return new Timeouts(d, read, write, call, ping);
    }

    public Timeouts withPing(Duration d) {
        return new Timeouts(connect, read, write, call, d);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout '" + name + "' must be positive, got " + d);
        }
    }
}
