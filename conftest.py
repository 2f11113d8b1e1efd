# nameko's pytest plugin no longer monkey-patches; everything under test runs on eventlet, so patch
# before any other import can grab the unpatched socket or threading modules.
import eventlet

eventlet.monkey_patch()
