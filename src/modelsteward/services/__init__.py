"""The flows the edges share: each runs the checks, the policy and the registry for one
job, so the CLI, the gateway and the web app never re-implement a rule."""
