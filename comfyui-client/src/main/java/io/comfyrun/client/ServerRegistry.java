package io.comfyrun.client;

import java.io.Closeable;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ServerConnection} (one WebSocket) per (server URL, credentials, clientId) for the owning
 * {@link ComfyClient}. Every prompt in flight on a server shares it. Inspectable and closeable, not static.
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
        if (closed) {
            throw new IllegalStateException("the ComfyClient is closed");
        }
        return connections.computeIfAbsent(new Key(server.baseUrl(), server.auth(), server.clientId(), server.mode(),
                server.trustedCertificates()),
                k -> new ServerConnection(client, server));
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

    @Override
    public void close() {
        closed = true;
        connections.values().forEach(ServerConnection::close);
        connections.clear();
    }

    private record Key(URI baseUrl, ServerAuth auth, String clientId, TrackingMode mode, java.nio.file.Path trusted) {
    }
}
