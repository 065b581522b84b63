package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.Credentials;

/** Mirror of credentials-plugin {@code PasswordCredentials}. */
public interface PasswordCredentials extends Credentials {
    hudson.util.Secret getPassword();
}
