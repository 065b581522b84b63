package io.jenkins.plugins.comfyrun;

import hudson.model.Item;
import jenkins.model.Jenkins;

/**
 * The permission gate every {@code doCheck*}, {@code doFill*} and {@code doTest*} web method passes FIRST, before it
 * reads a credential or touches the network: in a job (or its snippet generator) the user must be able to configure
 * that job; outside any job (global configuration) the user must be an administrator. Fill and check methods answer
 * an empty list / "ok" to a user without that permission (Jenkins forms call them for anyone who can see a form, and
 * expect no 403); the test-connection action refuses with 403.
 */
final class WebMethodPermissions {
    private WebMethodPermissions() {
    }

    /** Throws Spring's AccessDeniedException (Jenkins renders it as 403) when the user may not configure {@code item}. */
    static void checkConfigure(Item item) {
        if (item == null) {
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        } else {
            item.checkPermission(Item.CONFIGURE);
        }
    }

    /** Whether the current user may configure {@code item} (the global configuration when null). */
    static boolean mayConfigure(Item item) {
        return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
    }

    /** Whether listing credential ids is allowed: a softer gate than {@link #checkConfigure}, per the credentials plugin's guidance. */
    static boolean mayListCredentials(Item item) {
        if (item == null) {
            return Jenkins.get().hasPermission(Jenkins.ADMINISTER);
        }
        return item.hasPermission(Item.EXTENDED_READ)
                || item.hasPermission(com.cloudbees.plugins.credentials.CredentialsProvider.USE_ITEM);
    }
}
