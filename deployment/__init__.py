"""Deploy the bondline protocol (one corporate and one sovereign bond) from one config file.

``deployment.config``: the YAML model (strict, errors naming the key and the fix) and the
resolution of relative dates against chain time. ``deployment.deploy``: ``deploy_protocol``
(inside any connected ape context) and the ``ape run deploy`` support. Guide: docs/deploy.md.
"""
