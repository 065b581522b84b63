package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code StandardUsernamePasswordCredentials}. */
public interface StandardUsernamePasswordCredentials extends StandardUsernameCredentials, UsernamePasswordCredentials {

}
