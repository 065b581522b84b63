package io.jenkins.plugins.comfyrun;

import hudson.AbortException;
import hudson.model.Run;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.progress.log.LogFormat;
import java.io.Serializable;
import java.time.Duration;

/**
 * Which ComfyUI server a step talks to, resolved from its {@code server}/{@code serverUrl}/{@code credentialsId}
 * arguments and the global configuration. Persisted with the execution: it holds a name, a URL and a credentials
 * id, never a secret; the secret is resolved again (and tracked) for the run whenever a {@link ServerConfig} is built.
 *
 * <p>A plain final class on purpose, not a record: Jenkins writes step executions to program.dat with JBoss
 * Marshalling River 1.4.12, which predates records (it would rebuild one field by field instead of through the
 * canonical constructor, and fail on the final fields). Strings and ints only.
 */
final class ServerTarget implements Serializable {
    private final String label;
    private final String url;
    private final String credentialsId;
    private final int connectSeconds;
    private final int readSeconds;
    private final int noSignalMinutes;

    /**
     * @param label           what logs, the result and the build page show: the configured name, or the URL
     * @param url             the server URL
     * @param credentialsId   credentials id or null
     * @param connectSeconds  connect timeout
     * @param readSeconds     read timeout
     * @param noSignalMinutes no-signal limit before "lost"
     */
    ServerTarget(String label, String url, String credentialsId, int connectSeconds, int readSeconds, int noSignalMinutes) {
        this.label = label;
        this.url = url;
        this.credentialsId = credentialsId;
        this.connectSeconds = connectSeconds;
        this.readSeconds = readSeconds;
        this.noSignalMinutes = noSignalMinutes;
    }

    String label() {
        return label;
    }

    String url() {
        return url;
    }

    String credentialsId() {
        return credentialsId;
    }

    int connectSeconds() {
        return connectSeconds;
    }

    int readSeconds() {
        return readSeconds;
    }

    int noSignalMinutes() {
        return noSignalMinutes;
    }

    @Override
    public String toString() {
        return "ServerTarget[" + label + ", " + url + ", credentialsId=" + credentialsId + "]";
    }

    /** Resolves the step's choice against the global configuration; cheap and local (no I/O). */
    static ServerTarget resolve(String server, String serverUrl, String credentialsId, ComfyGlobalConfiguration global)
            throws AbortException {
        if (server != null && serverUrl != null) {
            throw new AbortException("comfyRun: give either server: '" + server + "' or serverUrl, not both");
        }
        if (serverUrl != null) {
            if (!global.isAllowServerUrl()) {
                throw new AbortException("comfyRun: serverUrl is disabled by the Jenkins administrator; use server: with one of "
                        + names(global));
            }
            String problem = ComfyServer.checkUrlSyntax(serverUrl);
            if (problem != null) {
                throw new AbortException("comfyRun: serverUrl: " + problem);
            }
            return new ServerTarget(displayUrl(serverUrl), serverUrl, credentialsId, ComfyServer.DEFAULT_CONNECT_TIMEOUT_SECONDS,
                    ComfyServer.DEFAULT_READ_TIMEOUT_SECONDS, ComfyServer.DEFAULT_NO_SIGNAL_TIMEOUT_MINUTES);
        }
        ComfyServer s;
        if (server != null) {
            s = global.findServer(server);
            if (s == null) {
                throw new AbortException("comfyRun: no ComfyUI server named '" + server + "' is configured (Manage Jenkins » System » ComfyUI); known: "
                        + names(global));
            }
        } else {
            s = global.findDefaultServer();
            if (s == null) {
                throw new AbortException("comfyRun: no ComfyUI server is configured: add one in Manage Jenkins » System » ComfyUI, "
                        + "or pass serverUrl: 'http://host:8188/'");
            }
        }
        return new ServerTarget(s.getName(), s.getUrl(), credentialsId != null ? credentialsId : s.getCredentialsId(),
                s.getConnectTimeoutSeconds(), s.getReadTimeoutSeconds(), s.getNoSignalTimeoutMinutes());
    }

    /** The engine config for this run: credentials resolved (and tracked) as the run's authentication. */
    ServerConfig toConfig(Run<?, ?> run, Integer pollIntervalSeconds) throws AbortException {
        ServerAuth auth = ServerCredentials.forRun(credentialsId, run);
        ServerConfig c = ComfyServer.serverConfig(url, auth, ComfyServer.timeouts(connectSeconds, readSeconds), "server " + label);
        if (pollIntervalSeconds != null) {
            Duration max = Duration.ofSeconds(pollIntervalSeconds);
            Duration min = max.compareTo(ServerConfig.DEFAULT_POLL_MIN) < 0 ? max : ServerConfig.DEFAULT_POLL_MIN;
            c = c.withPolling(min, max);
        }
        return c;
    }

    private static String names(ComfyGlobalConfiguration global) {
        return global.getServers().isEmpty() ? "(none configured)"
                : String.join(", ", global.getServers().stream().map(ComfyServer::getName).toList());
    }

    /** A URL for display: the engine's console form (user-info and query never shown). */
    static String displayUrl(String url) {
        try {
            return LogFormat.server(java.net.URI.create(url));
        } catch (IllegalArgumentException e) {
            return "(invalid URL)";
        }
    }

    private static final long serialVersionUID = 1L;
}
