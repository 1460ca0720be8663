# Installation and the exported CMake package, filled in with the libraries
# registered through qfx_register_library().
