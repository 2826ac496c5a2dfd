package io.octofleet.server.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The route is open to anyone: logging in, the SSO redirects, health. Say why in a comment where it is used. A valid
 * bearer token is still recognised, so the route can tell who is calling when someone is.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Anonymous {
}
