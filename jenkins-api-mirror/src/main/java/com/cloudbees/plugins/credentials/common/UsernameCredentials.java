package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.Credentials;

/** Mirror of credentials-plugin {@code UsernameCredentials}. */
public interface UsernameCredentials extends Credentials {
    String getUsername();

    default boolean isUsernameSecret() {
        // real default isUsernameSecret: true
        return true;
    }
}
