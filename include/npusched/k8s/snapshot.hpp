#pragma once
/// \file k8s/snapshot.hpp
/// The whole Kubernetes adapter in one include, for existing users: the
/// decoded snapshot and its readers and writers, the plan pipelines, and the
/// fault state and report in JSON. New code includes the part it uses.

#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"
