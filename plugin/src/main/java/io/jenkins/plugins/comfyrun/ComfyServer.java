package io.jenkins.plugins.comfyrun;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.Timeouts;
import java.net.URI;
import java.time.Duration;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * One ComfyUI server an administrator configured: a name pipelines use ({@code comfyRun(server: 'gpu-1', ...)}),
 * its URL, optional credentials and timeouts. Holds a credentials id only, never a secret.
 */
public class ComfyServer extends AbstractDescribableImpl<ComfyServer> {
    static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
    static final int DEFAULT_READ_TIMEOUT_SECONDS = 30;
    static final int DEFAULT_NO_SIGNAL_TIMEOUT_MINUTES = 30;

    private final String name;
    private final String url;
    private String credentialsId;
    private int connectTimeoutSeconds = DEFAULT_CONNECT_TIMEOUT_SECONDS;
    private int readTimeoutSeconds = DEFAULT_READ_TIMEOUT_SECONDS;
    private int noSignalTimeoutMinutes = DEFAULT_NO_SIGNAL_TIMEOUT_MINUTES;

    @DataBoundConstructor
    public ComfyServer(String name, String url) {
        this.name = Util.fixEmptyAndTrim(name);
        this.url = Util.fixEmptyAndTrim(url);
    }

    public String getName() {
        return name;
    }

    public String getUrl() {
        return url;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    public int getConnectTimeoutSeconds() {
        return connectTimeoutSeconds;
    }

    @DataBoundSetter
    public void setConnectTimeoutSeconds(int connectTimeoutSeconds) {
        this.connectTimeoutSeconds = connectTimeoutSeconds > 0 ? connectTimeoutSeconds : DEFAULT_CONNECT_TIMEOUT_SECONDS;
    }

    public int getReadTimeoutSeconds() {
        return readTimeoutSeconds;
    }

    @DataBoundSetter
    public void setReadTimeoutSeconds(int readTimeoutSeconds) {
        this.readTimeoutSeconds = readTimeoutSeconds > 0 ? readTimeoutSeconds : DEFAULT_READ_TIMEOUT_SECONDS;
    }

    public int getNoSignalTimeoutMinutes() {
        return noSignalTimeoutMinutes;
    }

    /** How long the step waits without any sign of the prompt (no event, no successful poll) before declaring it lost. */
    @DataBoundSetter
    public void setNoSignalTimeoutMinutes(int noSignalTimeoutMinutes) {
        this.noSignalTimeoutMinutes = noSignalTimeoutMinutes > 0 ? noSignalTimeoutMinutes : DEFAULT_NO_SIGNAL_TIMEOUT_MINUTES;
    }

    /** The engine's timeouts for this server. */
    Timeouts timeouts() {
        return timeouts(connectTimeoutSeconds, readTimeoutSeconds);
    }

    static Timeouts timeouts(int connectSeconds, int readSeconds) {
        Timeouts d = Timeouts.DEFAULTS;
        Duration read = Duration.ofSeconds(readSeconds > 0 ? readSeconds : DEFAULT_READ_TIMEOUT_SECONDS);
        return new Timeouts(Duration.ofSeconds(connectSeconds > 0 ? connectSeconds : DEFAULT_CONNECT_TIMEOUT_SECONDS),
                read, read, d.call().compareTo(read) > 0 ? d.call() : read.multipliedBy(2), d.ping());
    }

    /** The engine's view of this server, with {@code auth} resolved by the caller for its context. */
    ServerConfig toServerConfig(ServerAuth auth) throws AbortException {
        return serverConfig(url, auth, timeouts(), "server '" + name + "'");
    }

    static ServerConfig serverConfig(String url, ServerAuth auth, Timeouts timeouts, String what) throws AbortException {
        String problem = checkUrlSyntax(url);
        if (problem != null) {
            throw new AbortException("ComfyUI " + what + ": " + problem);
        }
        try {
            return ServerConfig.of(url).withAuth(auth).withTimeouts(timeouts);
        } catch (IllegalArgumentException e) {
            throw new AbortException("ComfyUI " + what + ": " + e.getMessage());
        }
    }

    /**
     * Syntax only (never contacts the server); null when fine. The engine's own rules ({@link ServerConfig#of}:
     * http/https, a host, no query or fragment) plus one of the plugin's: no user-info, since a password in the URL
     * would sit in the configuration in clear text; a credentials id is the place for it.
     */
    static String checkUrlSyntax(String url) {
        String u = Util.fixEmptyAndTrim(url);
        if (u == null) {
            return "the URL is empty: give the ComfyUI address, e.g. http://gpu-1:8188/";
        }
        try {
            ServerConfig.of(u);
            if (URI.create(u).getRawUserInfo() != null) {
                return "the URL must not contain a user name or password: use a credentials id instead";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public String toString() {
        return "ComfyServer[" + name + ", " + url + ", credentialsId=" + credentialsId + "]";
    }

    @Extension
    @Symbol("comfyServer")
    public static class DescriptorImpl extends Descriptor<ComfyServer> {
        @Override
        public String getDisplayName() {
            return "ComfyUI server";
        }

        @POST
        public FormValidation doCheckName(@QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(null)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            String v = Util.fixEmptyAndTrim(value);
            if (v == null) {
                return FormValidation.error("A name is required: pipelines select the server with comfyRun(server: 'name', ...)");
            }
            if (!v.matches("[A-Za-z0-9._-]+")) {
                return FormValidation.warning("Prefer letters, digits, '.', '_' and '-' so the name is easy to write in a Jenkinsfile");
            }
            return FormValidation.ok();
        }

        @POST
        public FormValidation doCheckUrl(@QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(null)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            String problem = checkUrlSyntax(value);
            return problem == null ? FormValidation.ok() : FormValidation.error(problem);
        }

        @POST
        public ListBoxModel doFillCredentialsIdItems(@QueryParameter String credentialsId) {
            if (!WebMethodPermissions.mayConfigure(null)) {
                return new ListBoxModel(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            return ServerCredentials.fillItems(null, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(null)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            return ServerCredentials.check(null, value);
        }

        /**
         * The "Test connection" button: one bounded GET of the server's {@code /system_stats}. Administrators only
         * (it makes the controller contact a URL with a stored credential), and only by POST (no CSRF).
         */
        @POST
        public FormValidation doTestConnection(@QueryParameter String url, @QueryParameter String credentialsId,
                @QueryParameter int connectTimeoutSeconds, @QueryParameter int readTimeoutSeconds) {
            WebMethodPermissions.checkConfigure(null);
            String problem = checkUrlSyntax(url);
            if (problem != null) {
                return FormValidation.error(problem);
            }
            try {
                ServerConfig config = serverConfig(url, ServerCredentials.forGlobalContext(credentialsId),
                        timeouts(connectTimeoutSeconds, readTimeoutSeconds), "server");
                return FormValidation.ok(ConnectionCheck.probe(config));
            } catch (AbortException e) {
                return FormValidation.error(e.getMessage());
            }
        }
    }
}
