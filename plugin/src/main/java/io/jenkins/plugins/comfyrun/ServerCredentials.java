package io.jenkins.plugins.comfyrun;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.comfyrun.client.ServerAuth;
import java.util.Collections;
import java.util.List;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * Credentials for a ComfyUI server (or the reverse proxy in front of it): "Secret text" becomes a bearer token,
 * "Username with password" becomes basic auth. The secret is read only here, at the moment the engine's
 * {@link ServerAuth} is built, and never appears in a message: errors name the credentials id, never the value.
 */
final class ServerCredentials {
    /** The kinds {@link #toAuth} turns into an authentication: secret text and username/password. */
    private static final com.cloudbees.plugins.credentials.CredentialsMatcher SUPPORTED = CredentialsMatchers.anyOf(
            CredentialsMatchers.instanceOf(StringCredentials.class),
            CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class));

    private ServerCredentials() {
    }

    /** Resolves {@code credentialsId} for a build (the run's authentication and USE_ITEM rules apply) and tracks its use. */
    static ServerAuth forRun(String credentialsId, Run<?, ?> run) throws AbortException {
        String id = Util.fixEmptyAndTrim(credentialsId);
        if (id == null) {
            return ServerAuth.none();
        }
        StandardCredentials c = CredentialsProvider.findCredentialById(id, StandardCredentials.class, run);
        if (c == null) {
            throw new AbortException("ComfyUI credentials '" + id + "' were not found or may not be used by "
                    + run.getExternalizableId() + ": add a 'Secret text' or 'Username with password' credential with that id");
        }
        CredentialsProvider.track(run, c);
        return toAuth(c);
    }

    /** Resolves {@code credentialsId} in the global context (test connection button; caller already checked ADMINISTER). */
    static ServerAuth forGlobalContext(String credentialsId) throws AbortException {
        String id = Util.fixEmptyAndTrim(credentialsId);
        if (id == null) {
            return ServerAuth.none();
        }
        StandardCredentials c = CredentialsMatchers.firstOrNull(
                CredentialsProvider.lookupCredentialsInItem(StandardCredentials.class, (Item) null, ACL.SYSTEM2,
                        Collections.emptyList()),
                CredentialsMatchers.withId(id));
        if (c == null) {
            throw new AbortException("ComfyUI credentials '" + id + "' were not found in the global credentials store");
        }
        return toAuth(c);
    }

    static ServerAuth toAuth(StandardCredentials c) throws AbortException {
        if (c instanceof StringCredentials s) {
            return ServerAuth.bearer(s.getSecret().getPlainText());
        }
        if (c instanceof StandardUsernamePasswordCredentials up) {
            return ServerAuth.basic(up.getUsername(), up.getPassword().getPlainText());
        }
        throw new AbortException("ComfyUI credentials '" + c.getId() + "' are of an unsupported kind: use 'Secret text' "
                + "(sent as a bearer token) or 'Username with password' (sent as basic auth)");
    }

    /** The credentials drop-down, shared by the step and the server configuration. */
    static ListBoxModel fillItems(Item item, String credentialsId) {
        StandardListBoxModel result = new StandardListBoxModel();
        if (!WebMethodPermissions.mayListCredentials(item)) {
            return result.includeCurrentValue(credentialsId);
        }
        List<com.cloudbees.plugins.credentials.domains.DomainRequirement> any = Collections.emptyList();
        return result.includeEmptyValue()
                .includeMatchingAs(item instanceof Queue.Task t ? Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2, item,
                        StandardCredentials.class, any, SUPPORTED)
                .includeCurrentValue(credentialsId);
    }

    /** Existence check only; never contacts a server. */
    static FormValidation check(Item item, String value) {
        String id = Util.fixEmptyAndTrim(value);
        if (id == null) {
            return FormValidation.ok();
        }
        if (id.contains("${")) {
            return FormValidation.warning("Cannot check an expression; it is resolved when the build runs");
        }
        ListBoxModel withThatId = CredentialsProvider.listCredentialsInItem(StandardCredentials.class, item,
                item instanceof Queue.Task t ? Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2, Collections.emptyList(),
                CredentialsMatchers.withId(id));
        if (withThatId.isEmpty()) {
            return FormValidation.error("No 'Secret text' or 'Username with password' credentials with id '%s' are visible here", id);
        }
        if (CredentialsProvider.listCredentialsInItem(StandardCredentials.class, item,
                item instanceof Queue.Task t ? Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2, Collections.emptyList(),
                CredentialsMatchers.allOf(CredentialsMatchers.withId(id), SUPPORTED)).isEmpty()) {
            return FormValidation.error("Credentials '%s' are of a kind comfyRun cannot use: choose 'Secret text' (sent as a "
                    + "bearer token) or 'Username with password' (sent as basic auth)", id);
        }
        return FormValidation.ok();
    }
}
