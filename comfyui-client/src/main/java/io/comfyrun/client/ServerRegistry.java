package io.comfyrun.client;

import java.io.Closeable;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One {@link ServerConnection} (one WebSocket) per server, credentials and tracking mode for the owning
 * {@link ComfyClient}; every prompt in flight on that server shares it. What is per prompt (HTTP timeouts, polling
 * interval, deadlines) stays with the prompt; only what must be per socket keys the connection. A connection with
 * no prompt left is closed after {@code idleClose} and leaves the registry, so restarts, resumes and credential
 * rotations never make it grow. Inspectable and closeable, not static.
 */
public final class ServerRegistry implements Closeable {

    private final ComfyClient client;
    private final Map<Key, ServerConnection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ServerRegistry(ComfyClient client) {
        this.client = client;
    }

    /** The connection for this server, created (but not yet opened) on first use. */
    public ServerConnection connection(ServerConfig server) {
        return connections.computeIfAbsent(Key.of(server), k -> new ServerConnection(client, server, server.clientId()));
    }

    /** The existing connection for a base URL, if any (first match). */
    public Optional<ServerConnection> find(URI baseUrl) {
        String wanted = ServerConfig.of(baseUrl).baseUrl().toString();
        return connections.values().stream().filter(c -> c.baseUrl().toString().equals(wanted)).findFirst();
    }

    /** All current connections. */
    public List<ServerConnection> connections() {
        return List.copyOf(connections.values());
    }

    /**
     * What the shared socket of this server reports, without a request: {@link ServerLoad#unknown}-like values (-1, 0,
     * false) when there is no connection to it.
     */
    public ServerLoad load(ServerConfig server) {
        ServerConnection c = connections.get(Key.of(server));
        return c == null ? ServerLoad.unknown(server.baseUrl()) : c.load();
    }

    /**
     * Runs {@code use} on the connection for {@code server}, held so that an idle close cannot retire it meanwhile.
     * {@code preferredClientId} is the clientId a connection created now starts with (a resumed prompt's, so a
     * restarted JVM hears its events again); an existing connection keeps its own.
     */
    <T> T use(ServerConfig server, String preferredClientId, Function<ServerConnection, T> use) {
        Key key = Key.of(server);
        while (true) {
            if (closed) {
                throw new IllegalStateException("the ComfyClient is closed");
            }
            String cid = server.clientId() != null ? server.clientId() : preferredClientId;
            ServerConnection c = connections.computeIfAbsent(key, k -> new ServerConnection(client, server, cid));
            if (c.retain()) {
                try {
                    return use.apply(c);
                } finally {
                    c.release();
                }
            }
            connections.remove(key, c); // retired while we looked it up: make a fresh one
        }
    }

    /** An idle connection closed itself. */
    void retired(ServerConnection c) {
        connections.values().remove(c);
    }

    @Override
    public void close() {
        closed = true;
        connections.values().forEach(ServerConnection::close);
        connections.clear();
    }

    /**
     * What must be the same for two prompts to share a socket: the server, the credentials, the trust, the tracking
     * mode, and a clientId only when the caller chose one. Timeouts and polling intervals are per prompt.
     */
    private record Key(URI baseUrl, ServerAuth auth, String explicitClientId, TrackingMode mode, Path trusted) {
        static Key of(ServerConfig s) {
            return new Key(s.baseUrl(), s.auth(), s.clientId(), s.mode(), s.trustedCertificates());
        }
    }
}
