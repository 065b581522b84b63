package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.http.HttpClients;
import io.comfyrun.client.http.Json;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket of one {@link ServerConnection}: the health check that precedes it, opening, reading, ping (OkHttp's),
 * reconnecting with back-off, re-subscribing a silent socket and rotating the clientId of a deaf one (§2.6).
 * Frames are handed to the connection as they come; this class knows nothing of prompts beyond "does anyone need me".
 */
final class SocketSession {

    private static final System.Logger LOG = System.getLogger(SocketSession.class.getName());
    private static final String FEATURE_FLAGS = "{\"type\": \"feature_flags\", \"data\": {\"supports_preview_metadata\": true}}";
    /** Frames above this are named in the log when ignored (ComfyUI's own messages are a few KiB). */
    static final int LARGE_FRAME_CHARS = 1 << 20;
    /** How long after the upgrade a prompt waits for the server's first frame before posting anyway. */
    private static final long FIRST_FRAME_GRACE_MS = 2_000;

    private final ServerConnection conn;
    private final ServerConfig config;
    private final ComfyHttpApi http;
    private final ServerVersion version;
    private final OkHttpClient wsHttp;

    // Guarded by lock; written by the reader thread (listener), io threads (open, health check) and the scheduler
    // (reconnect). Every transition of state, socket and generation happens inside one synchronized block.
    private final Object lock = new Object();
    private ConnectionState state = ConnectionState.IDLE;
    private String clientId;
    private WebSocket socket;
    /** Bumped whenever the current socket stops being ours; a listener of an older generation is ignored. */
    private int generation;
    private CompletableFuture<Void> ready;
    private final Reconnects reconnects = new Reconnects();
    /** A re-subscription opened a socket that has not received a single frame yet. */
    private boolean unprovenResubscribe;

    /** Why the last health check failed (a TLS trust error, a timeout...); written by io threads, read anywhere. */
    private volatile String lastConnectError;
    private final AtomicLong deafRotations = new AtomicLong();
    private final AtomicLong resubscribes = new AtomicLong();

    SocketSession(ServerConnection conn, ServerConfig config, ComfyHttpApi http, ServerVersion version,
                  OkHttpClient base, String clientId) {
        this.conn = conn;
        this.config = config;
        this.http = http;
        this.version = version;
        this.clientId = clientId != null ? clientId : newClientId();
        this.wsHttp = HttpClients.forServer(base, config).newBuilder()
                // Bounds the upgrade handshake only: OkHttp drops the call timeout and the read timeout once the
                // socket is upgraded, so a long silent node never trips it. Liveness is ping/pong.
                .callTimeout(config.timeouts().connect().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .build();
    }

    String clientId() {
        synchronized (lock) {
            return clientId;
        }
    }

    ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    boolean isOpen() {
        return state() == ConnectionState.OPEN;
    }

    String lastConnectError() {
        return lastConnectError;
    }

    long reconnects() {
        return reconnects.count();
    }

    long deafRotations() {
        return deafRotations.get();
    }

    long resubscribes() {
        return resubscribes.get();
    }

    boolean unprovenResubscribe() {
        synchronized (lock) {
            return unprovenResubscribe;
        }
    }

    /** Completes when prompts may be posted: the socket heard its first frame, or polling takes over. */
    CompletableFuture<Void> ensureReady() {
        CompletableFuture<Void> mine;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
            }
            if (ready != null && !ready.isCompletedExceptionally()) {
                return ready;
            }
            mine = new CompletableFuture<>();
            ready = mine;
            if (state == ConnectionState.IDLE) {
                state = ConnectionState.CONNECTING;
            }
        }
        conn.io(() -> start(mine));
        return mine;
    }

    /** Health check (also learns the version, or probes when it says nothing), then the WebSocket unless POLL_ONLY. */
    private void start(CompletableFuture<Void> mine) {
        try {
            JsonNode stats = http.systemStats();
            lastConnectError = null;
            version.learned(Json.text(stats.path("system"), "comfyui_version"));
            if (!version.known()) {
                version.probeFeaturesRoute(http, config.baseUrl());
            }
        } catch (IOException e) {
            lastConnectError = "GET /system_stats failed: " + e;
            LOG.log(System.Logger.Level.DEBUG, "health check of {0} failed: {1}", config.baseUrl(), e.toString());
            synchronized (lock) {
                if (state == ConnectionState.CONNECTING) {
                    state = ConnectionState.POLLING;
                }
            }
            mine.completeExceptionally(e);
            ComfyHttpException refused = ServerConnection.credentialsRefused(e);
            if (refused != null) {
                // Refused credentials do not become valid by waiting: end every prompt that needs this server now.
                conn.credentialsRefused(refused);
                return;
            }
            scheduleReconnect(); // keeps trying while prompts (e.g. resumed ones) need the server
            return;
        }
        if (config.mode() == TrackingMode.POLL_ONLY) {
            synchronized (lock) {
                if (state != ConnectionState.CLOSED) {
                    state = ConnectionState.POLLING;
                }
            }
            mine.complete(null);
            return;
        }
        openSocket(mine);
    }

    private void openSocket(CompletableFuture<Void> readyWhenDecided) {
        WebSocket old;
        int gen;
        String cid;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            gen = ++generation;
            old = socket;
            socket = null;
            if (state != ConnectionState.POLLING) {
                state = ConnectionState.CONNECTING;
            }
            cid = clientId;
        }
        if (old != null) {
            // Close the old socket BEFORE opening the new one: the same-clientId bug (§2.6) makes the new socket
            // deaf when the server still holds the old one.
            old.cancel();
        }
        HttpUrl url = HttpUrl.get(config.webSocketUrl().toString().replaceFirst("^ws", "http"))
                .newBuilder().addQueryParameter("clientId", cid).build();
        Request req = new Request.Builder().url(url).build(); // OkHttp sends no Origin header (§1 origin check)
        WebSocket ws = wsHttp.newWebSocket(req, new Listener(gen, readyWhenDecided));
        synchronized (lock) {
            if (gen == generation && state != ConnectionState.CLOSED) {
                socket = ws;
                return;
            }
        }
        ws.cancel();
    }

    /** OkHttp's reader thread calls these, one at a time per socket. */
    private final class Listener extends WebSocketListener {
        private final int gen;
        private final CompletableFuture<Void> readyWhenDecided;

        Listener(int gen, CompletableFuture<Void> readyWhenDecided) {
            this.gen = gen;
            this.readyWhenDecided = readyWhenDecided;
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            long down;
            synchronized (lock) {
                if (gen != generation || state == ConnectionState.CLOSED) {
                    ws.cancel();
                    return;
                }
                state = ConnectionState.OPEN;
                down = reconnects.opened();
            }
            ws.send(FEATURE_FLAGS);
            if (readyWhenDecided != null) {
                // The 101 answer comes before the server registers the socket under its sid, so a prompt posted now
                // could run before its events have anywhere to go. The connect `status` frame proves the socket is
                // registered (onMessage completes this); the grace only covers a server that never sends one.
                conn.schedule(() -> readyWhenDecided.complete(null), FIRST_FRAME_GRACE_MS);
            }
            conn.events().opened(down >= 0 ? reconnects.cameBack(down) : null);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            synchronized (lock) {
                if (gen != generation) {
                    return;
                }
                unprovenResubscribe = false; // the server knows this socket (its connect status comes via the sid)
            }
            if (readyWhenDecided != null) {
                readyWhenDecided.complete(null);
            }
            conn.events().dispatch(text);
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            if (bytes.size() < 8 || gen != currentGeneration()) {
                return;
            }
            if (bytes.size() > LARGE_FRAME_CHARS) {
                LOG.log(System.Logger.Level.DEBUG, "oversized binary WebSocket frame from {0} ({1} bytes, type {2})",
                        config.baseUrl(), bytes.size(), bytes.getByte(3));
            }
            String pid = BinaryFrames.promptOf(bytes);
            if (pid != null) {
                conn.events().previewOf(pid);
            }
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            ws.close(1000, null);
            down(gen, "server closed the WebSocket (" + code + (reason.isEmpty() ? "" : " " + reason) + ")",
                    readyWhenDecided);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            down(gen, "WebSocket closed (" + code + ")", readyWhenDecided);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            String why = response != null ? "WebSocket upgrade refused with HTTP " + response.code() : t.toString();
            down(gen, why, readyWhenDecided);
        }
    }

    private int currentGeneration() {
        synchronized (lock) {
            return generation;
        }
    }

    private void down(int gen, String reason, CompletableFuture<Void> readyWhenDecided) {
        boolean wasOpen;
        synchronized (lock) {
            if (gen != generation || state == ConnectionState.CLOSED) {
                return;
            }
            generation++;
            socket = null;
            wasOpen = state == ConnectionState.OPEN;
            state = ConnectionState.POLLING;
            reconnects.down();
        }
        LOG.log(System.Logger.Level.DEBUG, "WebSocket to {0} down: {1}", config.baseUrl(), reason);
        if (readyWhenDecided != null) {
            readyWhenDecided.complete(null); // HTTP works (health check passed): fall back to polling
        }
        conn.events().down(reason, wasOpen);
        scheduleReconnect();
    }

    /**
     * Back-off with jitter: short while the socket is likely to come back, long once polling has carried the prompts
     * for a while (see {@link Backoff#reconnectCeiling}); nothing when nobody needs the socket.
     */
    private void scheduleReconnect() {
        int attempt;
        synchronized (lock) {
            if (reconnects.scheduled() || state == ConnectionState.CLOSED || state == ConnectionState.OPEN
                    || config.mode() == TrackingMode.POLL_ONLY) {
                return;
            }
            if (!conn.hasPrompts()) {
                state = ConnectionState.IDLE;
                ready = null;
                return;
            }
            attempt = reconnects.schedule();
        }
        long ceiling = Backoff.reconnectCeiling(attempt, conn.settings().reconnectCap(),
                conn.settings().reconnectCapWhilePolling());
        long delay = Backoff.jittered(ceiling);
        // Only prompts still waiting to be posted need the socket before a deadline; polling carries the others.
        conn.schedule(this::reconnect, Backoff.clipToDeadline(delay, Instant.now(), conn.earliestConnectDeadline()));
    }

    private void reconnect() {
        synchronized (lock) {
            reconnects.due();
            if (state == ConnectionState.CLOSED || state == ConnectionState.OPEN) {
                return;
            }
            if (!conn.hasPrompts()) {
                state = ConnectionState.IDLE;
                ready = null;
                return;
            }
        }
        if (lastConnectError != null) {
            // Never got a health check through: redo it (it also feeds submissions waiting for ensureReady()).
            ensureReady().whenComplete((v, ex) -> {
                if (ex != null) {
                    scheduleReconnect();
                }
            });
            return;
        }
        openSocket(null);
    }

    /**
     * A running prompt stayed silent on an open socket for several checks: the socket may be deaf (§2.6: another
     * socket with our clientId connected or closed, and the server's registry lost ours). Close it cleanly, so the
     * server's handler for it ends first, then open a new one with the SAME clientId. If that one hears nothing at all
     * before the next suspicion, the clientId itself is taken: {@link #rotateClientId} follows.
     */
    void resubscribe() {
        WebSocket old;
        synchronized (lock) {
            if (state != ConnectionState.OPEN || socket == null) {
                return;
            }
            old = socket;
            socket = null;
            generation++; // the old socket's close is ours, not a drop: its listener ignores it
            state = ConnectionState.CONNECTING;
            unprovenResubscribe = true;
        }
        resubscribes.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "a running prompt on {0} is silent on an open WebSocket; re-opening it with"
                + " the same clientId in case the server stopped routing to it", config.baseUrl());
        conn.events().replacing();
        old.close(1000, "re-subscribing");
        // Let the server finish the old handler before the new socket registers: with the §2.6 bug the old handler's
        // cleanup unregisters whichever socket holds the clientId at that moment.
        conn.schedule(() -> openSocket(null), 250);
    }

    /** The socket stopped receiving our events (§2.6): switch to a fresh clientId; the connection polls the old one's. */
    void rotateClientId(String why) {
        String fresh = newClientId();
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            clientId = fresh;
            unprovenResubscribe = false;
        }
        deafRotations.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "WebSocket to {0} seems deaf ({1}); reconnecting with a fresh clientId",
                config.baseUrl(), why);
        conn.events().clientIdRotated(fresh);
        openSocket(null);
    }

    void close() {
        WebSocket ws;
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            state = ConnectionState.CLOSED;
            generation++;
            ws = socket;
            socket = null;
        }
        if (ws != null) {
            ws.close(1000, "client closing");
            ws.cancel();
        }
    }

    static String newClientId() {
        return "comfyrun-" + UUID.randomUUID().toString().replace("-", "");
    }
}
