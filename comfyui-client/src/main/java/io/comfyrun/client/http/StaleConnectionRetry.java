package io.comfyrun.client.http;

import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Retries an idempotent request (GET, HEAD) once when it failed on a pooled keep-alive connection that had served
 * a request before, or when the server took it and closed the connection without an answer. After a server restart
 * every pooled connection is dead, and OkHttp checks a pooled connection thoroughly only before a non-GET request,
 * so the first GET after the restart goes out on a dead socket and fails although the server is up again; a GET
 * that is in flight when the restart happens is cut the same way, whether its connection was pooled or new (which
 * one it gets depends on what else was in flight, so the rule must not). {@code retryOnConnectionFailure} would fix
 * that but would also replay a {@code POST /prompt}; the engine's submit logic owns that decision, so POSTs are never
 * retried here.
 *
 * <p>Not retried: timeouts (the server is slow, not gone: a second try doubles the wait), cancelled calls, a
 * connection refused on a fresh connection (nothing listens: the callers' back-off owns that) and WebSocket upgrades
 * (the connection's reconnect logic owns those). The one retry runs within the same call timeout.
 */
final class StaleConnectionRetry {

    /** Connections that have carried an exchange; weak, so the pool alone decides how long they live. */
    private static final Set<Connection> USED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private static final System.Logger LOG = System.getLogger(StaleConnectionRetry.class.getName());

    private StaleConnectionRetry() {
    }

    /** Whether the attempt went out on a connection used before; set by {@link #NETWORK}, read by {@link #application}. */
    private static final class Attempt {
        volatile boolean reused;
    }

    /**
     * Application interceptor (may call {@code proceed} twice). Before the retry it evicts the pool's idle
     * connections: after a restart they are all dead, and the retry must not pick the next dead one. Idle
     * connections to other servers go too; that costs them a new handshake, nothing more.
     */
    static Interceptor application(ConnectionPool pool) {
        return chain -> retryingStale(chain, pool);
    }

    private static Response retryingStale(Interceptor.Chain chain, ConnectionPool pool) throws IOException {
        Request request = chain.request();
        if (!idempotent(request)) {
            return chain.proceed(request);
        }
        Attempt first = new Attempt();
        try {
            return chain.proceed(request.newBuilder().tag(Attempt.class, first).build());
        } catch (IOException e) {
            if (!(first.reused || cutWithoutAnswer(e)) || e instanceof InterruptedIOException
                    || chain.call().isCanceled()) {
                throw e;
            }
            LOG.log(System.Logger.Level.DEBUG, "{0} {1} failed on a reused keep-alive connection or was cut without an"
                    + " answer ({2}); retrying once on a fresh one", request.method(), request.url().encodedPath(),
                    e.toString());
            pool.evictAll();
            try {
                return chain.proceed(request.newBuilder().tag(Attempt.class, new Attempt()).build());
            } catch (IOException again) {
                again.addSuppressed(e);
                throw again;
            }
        }
    }

    /** Network interceptor: sees the connection the attempt uses and records whether it was reused. */
    static final Interceptor NETWORK = chain -> {
        Attempt attempt = chain.request().tag(Attempt.class);
        Connection c = chain.connection();
        if (c != null) {
            boolean fresh = USED.add(c);
            if (attempt != null) {
                attempt.reused = !fresh;
            }
        }
        return chain.proceed(chain.request());
    };

    /**
     * The server accepted the connection, then closed or reset it before any answer: what a restart does to a
     * request in flight. A refused connection is not this (nothing was listening).
     */
    private static boolean cutWithoutAnswer(IOException e) {
        if (e instanceof java.net.ConnectException || e instanceof java.net.NoRouteToHostException) {
            return false;
        }
        return e instanceof java.net.SocketException || e instanceof java.io.EOFException
                || e.getCause() instanceof java.io.EOFException;
    }

    private static boolean idempotent(Request r) {
        return (r.method().equals("GET") || r.method().equals("HEAD")) && r.header("Upgrade") == null;
    }
}
