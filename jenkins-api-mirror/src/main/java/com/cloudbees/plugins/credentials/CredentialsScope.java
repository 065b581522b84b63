package com.cloudbees.plugins.credentials;

/** Mirror of credentials-plugin {@code CredentialsScope}. */
public enum CredentialsScope {
    SYSTEM, GLOBAL, USER
}
