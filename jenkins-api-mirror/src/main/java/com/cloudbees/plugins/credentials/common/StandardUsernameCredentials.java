package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code StandardUsernameCredentials}. */
public interface StandardUsernameCredentials extends StandardCredentials, UsernameCredentials {

}
