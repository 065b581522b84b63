package io.comfyrun.client;

import java.net.URI;

/**
 * What this engine knows of one server's load, read without any request: for routing prompts to the least-loaded
 * server of a farm.
 *
 * @param server          the server's base URL
 * @param queueRemaining  {@code exec_info.queue_remaining} of the last {@code status} frame on our socket (every
 *                        user's prompts, running and pending), or -1 when no frame has told yet
 * @param ourInFlight     prompts this engine follows on the server (submitted or resumed, not ended)
 * @param socketConnected whether our WebSocket to it is open now (false: polling, connecting, or no connection)
 */
public record ServerLoad(URI server, int queueRemaining, int ourInFlight, boolean socketConnected) {

    /** A server this engine has no connection to. */
    static ServerLoad unknown(URI server) {
        return new ServerLoad(server, -1, 0, false);
    }
}
