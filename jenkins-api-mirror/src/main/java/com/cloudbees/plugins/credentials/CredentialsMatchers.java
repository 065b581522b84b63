package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;

/** Mirror of credentials-plugin {@code CredentialsMatchers} (the matchers the plugin uses). */
public class CredentialsMatchers {
    public static CredentialsMatcher always() {
        return c -> true;
    }

    public static CredentialsMatcher withId(String id) {
        return c -> c instanceof IdCredentials ic && ic.getId().equals(id);
    }

    public static CredentialsMatcher instanceOf(Class clazz) {
        return clazz::isInstance;
    }

    public static CredentialsMatcher allOf(CredentialsMatcher... matchers) {
        // real CredentialsMatchers.allOf (AllOfMatcher): matches when every given matcher matches (none given: true)
        return c -> {
            for (CredentialsMatcher m : matchers) {
                if (!m.matches(c)) {
                    return false;
                }
            }
            return true;
        };
    }

    public static CredentialsMatcher anyOf(CredentialsMatcher... matchers) {
        return c -> {
            for (CredentialsMatcher m : matchers) {
                if (m.matches(c)) {
                    return true;
                }
            }
            return false;
        };
    }

    public static <C extends Credentials> C firstOrNull(Iterable<C> credentials, CredentialsMatcher matcher) {
        for (C c : credentials) {
            if (matcher.matches(c)) {
                return c;
            }
        }
        return null;
    }
}
