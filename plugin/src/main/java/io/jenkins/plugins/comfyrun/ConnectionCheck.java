package io.jenkins.plugins.comfyrun;

import hudson.AbortException;
import io.comfyrun.client.ComfyHttpException;
import io.comfyrun.client.ServerConfig;
import java.io.IOException;

/** The test-connection probe: one bounded {@code GET /system_stats}. */
final class ConnectionCheck {
    private ConnectionCheck() {
    }

    /** A one-line success message, or an AbortException naming the problem (never a credential). */
    static String probe(ServerConfig config) throws AbortException {
        try {
            String version = ComfyRuntime.client().http(config).comfyVersion().orElse("unknown version");
            return "Connected to ComfyUI " + version + " at " + config.baseUrl();
        } catch (ComfyHttpException e) {
            throw new AbortException("ComfyUI at " + config.baseUrl() + " answered an error: " + e.getMessage());
        } catch (IOException e) {
            throw new AbortException("Cannot reach ComfyUI at " + config.baseUrl() + ": " + e.getMessage());
        }
    }
}
