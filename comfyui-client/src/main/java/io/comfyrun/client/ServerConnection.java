package io.comfyrun.client;

import io.comfyrun.client.progress.ProgressListener;

import java.io.Closeable;
import java.net.URI;
import java.util.Optional;

/** The shared connection to one ComfyUI server (work in progress: API shape only). */
public final class ServerConnection implements Closeable {

    private final ServerConfig config;
    private volatile String clientId;
    private volatile ConnectionState state = ConnectionState.IDLE;

    ServerConnection(ComfyClient client, ServerConfig config) {
        this.config = config;
        this.clientId = config.clientId() != null ? config.clientId() : "comfyrun-" + java.util.UUID.randomUUID();
    }

    public URI baseUrl() {
        return config.baseUrl();
    }

    public ServerConfig config() {
        return config;
    }

    public String clientId() {
        return clientId;
    }

    public ConnectionState state() {
        return state;
    }

    public int inFlight() {
        return 0;
    }

    public Optional<String> serverVersion() {
        return Optional.empty();
    }

    PromptHandle submit(PromptRequest request, ProgressListener listener) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    PromptHandle resume(PromptSnapshot snapshot, ProgressListener listener) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
        state = ConnectionState.CLOSED;
    }
}
