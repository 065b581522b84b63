package com.cloudbees.plugins.credentials;

import hudson.ExtensionPoint;
import hudson.model.Describable;
import java.io.Serializable;

/** Mirror of credentials-plugin {@code Credentials} (getDescriptor narrowed to CredentialsDescriptor there; unused here). */
public interface Credentials extends Describable<Credentials>, Serializable, ExtensionPoint {
    CredentialsScope getScope();
}
