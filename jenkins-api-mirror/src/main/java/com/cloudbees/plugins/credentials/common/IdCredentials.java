package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.Credentials;

/** Mirror of credentials-plugin {@code IdCredentials}. */
public interface IdCredentials extends Credentials {
    String getId();
}
