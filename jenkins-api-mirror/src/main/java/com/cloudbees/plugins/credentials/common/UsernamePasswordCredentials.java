package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code UsernamePasswordCredentials}. */
public interface UsernamePasswordCredentials extends UsernameCredentials, PasswordCredentials {

}
