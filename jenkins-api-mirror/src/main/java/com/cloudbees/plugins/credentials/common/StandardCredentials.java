package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code StandardCredentials}. */
public interface StandardCredentials extends IdCredentials {
    String getDescription();
}
