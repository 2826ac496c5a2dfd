package io.octofleet.server.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The route needs a signed-in operator who holds this permission in at least one organization. Which organization's
 * resources the operator then sees is the route's business (see {@link Operator#scope}): another organization's
 * resources answer 404. Every route declares exactly one of this, {@link SignedIn} or {@link Anonymous}; a route
 * with none is refused (and {@code RouteAccessMatrixTest} fails).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresPermission {
    Permission value();
}
