package io.comfyrun.fake.transport;

import io.comfyrun.fake.api.ApiRequest;
import io.comfyrun.fake.ws.ClientSocket;

/** What the transport hands to the server model. Called on Netty event-loop threads. */
public interface ServerHandlers {

    void http(HttpExchange exchange);

    /**
     * A WebSocket upgrade request on {@code /ws} or {@code /api/ws}. Returns null to accept with the
     * given sid, or an HTTP status to refuse with (a fault, or the origin check).
     */
    Integer refuseUpgrade(ApiRequest request);

    /** The sid to use: the {@code clientId} parameter, or a generated 32-hex id. */
    String sidFor(ApiRequest request);

    void wsOpened(ClientSocket socket);

    void wsText(ClientSocket socket, String text);

    void wsClosed(ClientSocket socket);
}
