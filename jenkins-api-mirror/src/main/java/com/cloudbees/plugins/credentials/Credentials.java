package com.cloudbees.plugins.credentials;

import hudson.ExtensionPoint;
import hudson.model.Describable;
import hudson.model.Run;
import java.io.Serializable;

/** Mirror of credentials-plugin {@code Credentials} (getDescriptor narrowed to CredentialsDescriptor there; unused here). */
public interface Credentials extends Describable<Credentials>, Serializable, ExtensionPoint {
    CredentialsScope getScope();

    default Credentials forRun(Run<?, ?> context) {
        // real forRun: these credentials unless overridden (contextualised for a run)
        return this;
    }
}
