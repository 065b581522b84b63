package com.cloudbees.plugins.credentials;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Item;
import hudson.model.Run;
import hudson.security.ACL;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Mirror of credentials-plugin {@code CredentialsUseListener} (real also has {@code onUse(Credentials, Node)} and
 * {@code fireUse(Credentials, Node)}; the mirror has no {@code Node}). Listeners are the extensions registered in
 * the mirror's {@code ExtensionList}.
 */
public interface CredentialsUseListener extends ExtensionPoint {
    void onUse(Credentials c, Run run);

    void onUse(Credentials c, Item item);

    static void fireUse(Credentials c, Run run) {
        // real fireUse(Credentials, Run): Listeners.notify(type, true, ...): each registered listener's onUse, run as
        // SYSTEM2; a Throwable one throws is logged (WARNING) and the next listener still runs
        SecurityContext previous = SecurityContextHolder.getContext();
        SecurityContext system = SecurityContextHolder.createEmptyContext();
        system.setAuthentication(ACL.SYSTEM2);
        SecurityContextHolder.setContext(system);
        try {
            for (CredentialsUseListener listener : ExtensionList.lookup(CredentialsUseListener.class)) {
                try {
                    listener.onUse(c, run);
                } catch (Throwable x) {
                    Logger.getLogger(CredentialsUseListener.class.getName()).log(Level.WARNING, null, x);
                }
            }
        } finally {
            SecurityContextHolder.setContext(previous);
        }
    }
}
