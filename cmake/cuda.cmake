# The CUDA backend is built when INT8RT_CUDA is ON, or AUTO and nvcc is found. Without it,
# src/backends/no_cuda/ answers every CUDA request with "this build has no CUDA backend".
set(INT8RT_HAVE_CUDA OFF)
if(NOT INT8RT_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(INT8RT_HAVE_CUDA ON)
  elseif(INT8RT_CUDA STREQUAL "ON")
    message(FATAL_ERROR "INT8RT_CUDA=ON but no CUDA compiler was found")
  endif()
endif()
if(INT8RT_HAVE_CUDA)
  enable_language(CUDA)
  # sm_90 machine code, plus compute_90 PTX so that newer cards can JIT it. C++17 in device
  # code: CMake 3.25 does not know nvcc 13's C++20 flag.
  set(INT8RT_CUDA_ARCHITECTURES "90-real;90-virtual" CACHE STRING "CUDA architectures to build")
  set_target_properties(int8rt PROPERTIES CUDA_ARCHITECTURES "${INT8RT_CUDA_ARCHITECTURES}"
                        CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
  file(GLOB_RECURSE INT8RT_CUDA_SOURCES CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/src/backends/cuda/*.cu ${CMAKE_SOURCE_DIR}/src/backends/cuda/*.cpp)
  # cuDNN convolution candidates (src/backends/cuda/cudnn/): only cudnn.h (version 9) is needed
  # to build them; libcudnn.so.9 is opened at run time (dlopen), never linked, so binaries start
  # on machines without cuDNN. Without the header nothing of it is compiled or registered.
  find_path(INT8RT_CUDNN_INCLUDE_DIR cudnn_version.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  set(INT8RT_HAVE_CUDNN OFF)
  if(INT8RT_CUDNN_INCLUDE_DIR AND EXISTS "${INT8RT_CUDNN_INCLUDE_DIR}/cudnn.h")
    file(STRINGS "${INT8RT_CUDNN_INCLUDE_DIR}/cudnn_version.h" INT8RT_CUDNN_MAJOR_LINE
         REGEX "^#define CUDNN_MAJOR [0-9]+")
    if(INT8RT_CUDNN_MAJOR_LINE MATCHES "CUDNN_MAJOR 9$")
      set(INT8RT_HAVE_CUDNN ON)
    endif()
  endif()
  if(INT8RT_HAVE_CUDNN)
    target_include_directories(int8rt PUBLIC ${INT8RT_CUDNN_INCLUDE_DIR})
    target_compile_definitions(int8rt PUBLIC INT8RT_HAVE_CUDNN_HEADERS=1)
    target_link_libraries(int8rt PRIVATE ${CMAKE_DL_LIBS})
  else()
    list(FILTER INT8RT_CUDA_SOURCES EXCLUDE REGEX "/src/backends/cuda/cudnn/")
  endif()
  message(STATUS "int8rt cuDNN candidates (cudnn.h 9, loaded at run time): ${INT8RT_HAVE_CUDNN}")
  target_sources(int8rt PRIVATE ${INT8RT_CUDA_SOURCES})
  target_compile_options(int8rt PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -lineinfo -Xcudafe=--diag_suppress=177>)
  # cudart static: a binary needs only the driver (and cuBLASLt) on the GPU machine.
  target_link_libraries(int8rt PUBLIC CUDA::cudart_static CUDA::cublasLt)
  target_compile_definitions(int8rt PUBLIC INT8RT_HAVE_CUDA=1)
else()
  file(GLOB_RECURSE INT8RT_NO_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/backends/no_cuda/*.cpp)
  target_sources(int8rt PRIVATE ${INT8RT_NO_CUDA_SOURCES})
endif()
message(STATUS "int8rt CUDA backend: ${INT8RT_HAVE_CUDA}")
